/**
 * A local Twilio Programmable Messaging API: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (form-encoded
 * `To`, `From`, `Body`; HTTP basic auth with an API key `SK…:secret`, as Twilio documents), the message list and
 * fetch. Like Twilio it has no idempotency key: a repeated request sends a second SMS; the list (newest first, by
 * `To`/`From`, paged) is what the connector reads to find an earlier send. A customer's reply is
 * delivered the way Twilio delivers inbound SMS: a form POST to the worker's `/hooks/twilio`, signed with
 * `X-Twilio-Signature` under the account's auth token (set at `POST /_sim/webhooks` once the worker is up).
 */
import { post, sign } from "../scripts/senders.ts";
import type { TwilioMessage } from "../workers/connectors/twilio/client.ts";
import { SIMULATOR_TWILIO_ACCOUNT } from "./keys.ts";
import { createSimulator, type Simulator } from "./kit.ts";

/** A message resource as the connector reads it, with the rest of what Twilio answers. */
export interface SmsMessage extends TwilioMessage {
  account_sid: string;
  status: "queued" | "received";
  direction: "outbound-api" | "inbound";
  /** The Messaging Service that sent it (`MessagingServiceSid`), null for a message sent from a number. */
  messaging_service_sid: string | null;
  num_segments: string;
  date_created: string;
  api_version: "2010-04-01";
  uri: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const sid = (prefix: string) => `${prefix}${crypto.randomUUID().replaceAll("-", "")}`;
const twilioError = (code: number, message: string, status: number) => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});

/**
 * The form parameters of Twilio's inbound-message webhook (https://www.twilio.com/docs/messaging/guides/webhook-request),
 * with MMS media as `NumMedia`, `MediaUrl<n>` and `MediaContentType<n>`.
 * @example const params = inboundSmsParams({ sid: "SM…", account_sid: "AC…", from: "+4915…", to: "+1500…", body: "YES", num_segments: "1" });
 */
export function inboundSmsParams(
  message: Pick<SmsMessage, "sid" | "account_sid" | "from" | "to" | "body" | "num_segments">,
  media: { url: string; contentType: string }[] = [],
): Record<string, string> {
  return {
    ToCountry: "US",
    ToState: "",
    SmsMessageSid: message.sid,
    NumMedia: String(media.length),
    ToCity: "",
    FromZip: "",
    SmsSid: message.sid,
    FromState: "",
    SmsStatus: "received",
    FromCity: "",
    Body: message.body,
    FromCountry: "",
    To: message.to,
    ToZip: "",
    NumSegments: message.num_segments,
    MessageSid: message.sid,
    AccountSid: message.account_sid,
    From: message.from,
    ApiVersion: "2010-04-01",
    ...Object.fromEntries(
      media.flatMap((m, i) => [
        [`MediaUrl${i}`, m.url],
        [`MediaContentType${i}`, m.contentType],
      ]),
    ),
  };
}

export function twilioSimulator(
  apiKey: string,
  accountSid = SIMULATOR_TWILIO_ACCOUNT,
): Simulator & { messages: SmsMessage[]; webhook: { url: string | null; secret: string | null } } {
  const sim = createSimulator({
    apiKey,
    auth: "basic",
    idempotency: false,
    unauthorized: (c) => c.json(twilioError(20003, "Authenticate", 401), 401),
  });
  const messages: SmsMessage[] = [];
  const webhook = { url: null as string | null, secret: null as string | null };
  const base = `/2010-04-01/Accounts/${accountSid}`;
  const message = (
    fields: Pick<SmsMessage, "from" | "to" | "body" | "status" | "direction"> & {
      messaging_service_sid?: string | null;
    },
  ): SmsMessage => {
    const id = sid("SM");
    return {
      sid: id,
      account_sid: accountSid,
      messaging_service_sid: null,
      ...fields,
      num_segments: String(Math.max(1, Math.ceil(fields.body.length / 160))),
      date_created: new Date().toUTCString().replace("GMT", "+0000"),
      api_version: "2010-04-01",
      uri: `${base}/Messages/${id}.json`,
    };
  };

  sim.app.post("/_sim/webhooks", async (c) => {
    Object.assign(webhook, await c.req.json());
    return c.json({ ok: true });
  });
  // Everything sent and received, for tests and demos (a simulator control).
  sim.app.get("/_sim/messages", (c) => c.json({ messages }));
  /** The customer texts back: Twilio's inbound-SMS webhook, signed, to the worker. Answers with the worker's reply. */
  sim.app.post("/_sim/inbound", async (c) => {
    const body = (await c.req.json().catch(() => null)) as {
      from?: string;
      to?: string;
      body?: string;
      media?: { url: string; contentType: string }[];
    } | null;
    if (!body?.from || typeof body.body !== "string") return c.json({ error: "from and body are required" }, 422);
    if (!webhook.url || !webhook.secret)
      return c.json({ error: "no worker hooked up: POST /_sim/webhooks { url, secret } first" }, 409);
    const to = body.to ?? [...messages].reverse().find((m) => m.to === body.from)?.from ?? "+15005550006";
    const inbound = message({ from: body.from, to, body: body.body, status: "received", direction: "inbound" });
    messages.push(inbound);
    const params = inboundSmsParams(inbound, body.media);
    const res = await post(webhook.url, await sign.twilio(webhook.secret, params, { origin: webhook.url }));
    return c.json({ message: inbound, worker: { status: res.status, body: await res.json().catch(() => null) } });
  });

  // Requests for another account than the key's are refused as Twilio does.
  sim.app.use("/2010-04-01/Accounts/:account/*", async (c, next) => {
    if (c.req.param("account") !== accountSid) return c.json(twilioError(20003, "Authenticate", 401), 401);
    return next();
  });
  sim.app.post("/2010-04-01/Accounts/:account/Messages.json", async (c) => {
    if (!(c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded"))
      return c.json(twilioError(20001, "Unsupported content type", 400), 400);
    const params = new URLSearchParams(await c.req.text());
    const [to, from, text] = [params.get("To"), params.get("From"), params.get("Body")];
    if (!to) return c.json(twilioError(21604, "A 'To' phone number is required.", 400), 400);
    if (!E164.test(to))
      return c.json(twilioError(21211, `The 'To' number ${to} is not a valid phone number.`, 400), 400);
    if (!from && !params.get("MessagingServiceSid"))
      return c.json(twilioError(21603, "A 'From' phone number is required.", 400), 400);
    if (!text) return c.json(twilioError(21602, "Message body is required.", 400), 400);
    if (text.length > 1600)
      return c.json(twilioError(21617, "The concatenated message body exceeds the 1600 character limit.", 400), 400);
    const service = params.get("MessagingServiceSid");
    const sent = message({
      from: from ?? service!,
      to,
      body: text,
      status: "queued",
      direction: "outbound-api",
      messaging_service_sid: service,
    });
    messages.push(sent);
    return c.json(sent, 201);
  });
  /** Twilio's list: newest first, filtered by `To` and `From`, in pages of `PageSize` (default 50, at most 1000) with `next_page_uri`. */
  sim.app.get("/2010-04-01/Accounts/:account/Messages.json", (c) => {
    const [to, from] = [c.req.query("To"), c.req.query("From")];
    const size = Math.min(1000, Math.max(1, Number(c.req.query("PageSize") ?? 50) || 50));
    const page = Math.max(0, Number(c.req.query("Page") ?? 0) || 0);
    const list = [...messages].reverse().filter((m) => (!to || m.to === to) && (!from || m.from === from));
    const query = (p: number) =>
      `${base}/Messages.json?${new URLSearchParams({ ...(to ? { To: to } : {}), ...(from ? { From: from } : {}), PageSize: String(size), Page: String(p) })}`;
    const more = (page + 1) * size < list.length;
    return c.json({
      messages: list.slice(page * size, (page + 1) * size),
      page,
      page_size: size,
      first_page_uri: query(0),
      next_page_uri: more ? query(page + 1) : null,
      uri: query(page),
    });
  });
  sim.app.get("/2010-04-01/Accounts/:account/Messages/:file", (c) => {
    const found = messages.find((m) => `${m.sid}.json` === c.req.param("file"));
    return found ? c.json(found) : c.json(twilioError(20404, "The requested resource was not found", 404), 404);
  });
  return { ...sim, messages, webhook };
}
