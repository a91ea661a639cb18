/**
 * SMS through Twilio's Programmable Messaging REST API
 * (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource): a form-encoded
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP basic auth, and the `ask` channel over it (the
 * customer's reply comes back as Twilio's signed inbound-SMS webhook on the `twilio` source).
 *
 * Twilio has no idempotency key for messages and a message carries no metadata of ours. So when an earlier call of
 * the step may have sent the text (the attempt resumes after a crash between Twilio's answer and the step's record,
 * or an earlier attempt timed out), the client first reads the account's messages to that number from that sender
 * (`GET …/Messages.json?To=&From=`, newest first) and returns the one with the same body created since the step's
 * first attempt began, instead of texting the customer again. The time bound is what tells this step's text from
 * an earlier step's identical one (an ask's reminder repeats its question): steps of a case run one after another.
 */
import type { Channel, Conversation, ReplyThread } from "../../engine/index.ts";
import { FatalError } from "../../engine/index.ts";
import { type ApiConfig, callApi, connectorSettings, type EffectContext, earlierCallSince } from "../http.ts";
import type { PayloadOf } from "../triggers.ts";
import type { twilioEvents } from "./events.ts";

export interface TwilioSettings extends Omit<ApiConfig, "system"> {
  accountSid: string;
  /** The sender: an E.164 number of the account (`+1…`) or a Messaging Service SID (`MG…`). */
  from: string;
}

/** The message resource as Twilio answers it (the fields Crossflow reads). */
export interface TwilioMessage {
  sid: string;
  status: string;
  to: string;
  from: string;
  body: string;
  date_created: string;
  /** `outbound-api` for messages sent through this API, `inbound` for the customer's. */
  direction: string;
  /** The Messaging Service that sent it, when one did. */
  messaging_service_sid?: string | null;
}

/** Pages of 100 messages read when looking for an earlier send (a customer's number rarely has more since a step began). */
const LOOKUP_PAGES = 5;

const text = (config: Readonly<Record<string, unknown>>, name: string) =>
  typeof config[name] === "string" && config[name] !== "" ? (config[name] as string) : undefined;

/**
 * Settings from configuration: `TWILIO_ACCOUNT_SID`, `TWILIO_API_KEY` (`<API key SID>:<secret>`, or
 * `<AccountSid>:<AuthToken>`), `TWILIO_FROM` and optional `TWILIO_API_BASE_URL` (a simulator locally).
 * `TWILIO_AUTH_TOKEN` stays the webhook signing secret of the `twilio` source.
 */
export function twilioConfig(config: Readonly<Record<string, unknown>>): TwilioSettings {
  const settings = connectorSettings(config, {
    key: "TWILIO_API_KEY",
    baseUrl: "TWILIO_API_BASE_URL",
    defaultBaseUrl: "https://api.twilio.com",
  });
  const accountSid = text(config, "TWILIO_ACCOUNT_SID");
  if (!accountSid) throw new FatalError("TWILIO_ACCOUNT_SID is not set");
  const from = text(config, "TWILIO_FROM");
  if (!from) throw new FatalError("TWILIO_FROM is not set (an E.164 number of the account or a Messaging Service SID)");
  return { ...settings, accountSid, from };
}

/** A phone number as E.164 (`+4915112345678`), or null: spaces, dashes, dots and brackets are dropped; `00` → `+`. */
export function e164(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const compact = value
    .trim()
    .replace(/[\s().-]/g, "")
    .replace(/^00/, "+");
  return /^\+[1-9]\d{6,14}$/.test(compact) ? compact : null;
}

export function twilioClient(settings: TwilioSettings) {
  const api = { ...settings, auth: "basic" as const, system: "twilio" };
  const messages = `/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`;
  const viaService = settings.from.startsWith("MG");
  return {
    /**
     * Sends the text once per step: on a resumed or repeated attempt, a message the earlier call sent is returned instead.
     * @example const sms = await twilio.sendSms({ to: "+4915112345678", body: "Your code is 123" }, ctx);
     */
    async sendSms(message: { to: string; body: string }, ctx: EffectContext): Promise<TwilioMessage> {
      const since = earlierCallSince(ctx);
      const sent = since === null ? null : await this.findSent(message, since);
      if (sent) return sent;
      const field = viaService ? "MessagingServiceSid" : "From";
      return callApi<TwilioMessage>(api, messages, {
        form: { To: message.to, [field]: settings.from, Body: message.body },
        idempotencyKey: ctx.idempotencyKey,
      });
    },
    /**
     * The message this sender sent to `to` with exactly `body`, created at or after `since` (epoch ms), or null.
     * @example const earlier = await twilio.findSent({ to: "+4915112345678", body: "Your code is 123" }, attemptStartedAt);
     */
    async findSent(message: { to: string; body: string }, since: number): Promise<TwilioMessage | null> {
      let path: string | null =
        `${messages}?${new URLSearchParams({ To: message.to, ...(viaService ? {} : { From: settings.from }), PageSize: "100" })}`;
      for (let page = 0; path && page < LOOKUP_PAGES; page++) {
        const list: { messages: TwilioMessage[]; next_page_uri: string | null } = await callApi(api, path);
        const found = list.messages.find(
          (m) =>
            m.direction.startsWith("outbound") &&
            m.body === message.body &&
            Date.parse(m.date_created) >= since &&
            (!viaService || m.messaging_service_sid === settings.from),
        );
        if (found) return found;
        // Newest first: once a whole page is older than the step, no later page can hold its message.
        if (list.messages.every((m) => Date.parse(m.date_created) < since)) return null;
        path = list.next_page_uri;
      }
      return null;
    },
    /** Recent messages to a number, newest first. @example const { messages } = await twilio.listMessages({ to: "+4915112345678" }); */
    listMessages(filter: { to?: string } = {}) {
      return callApi<{ messages: TwilioMessage[] }>(
        api,
        `${messages}${filter.to ? `?${new URLSearchParams({ To: filter.to })}` : ""}`,
      );
    },
  };
}

/** The customer's inbound SMS from `phone` (Twilio's `message.received` on the `twilio` source). */
export const smsReplyFrom = (phone: string, source = "twilio") => ({
  source,
  type: "message.received",
  where: (p: PayloadOf<typeof twilioEvents, "message.received">) => e164(p.From) === e164(phone),
});

/**
 * The sender a workflow's texts come from: `TWILIO_FROM_<WORKFLOW>` (the id upper-cased, `-` → `_`), else
 * `TWILIO_FROM`. SMS has no reply-to: the number a customer answers is what names the conversation, so a workflow
 * that talks by SMS beside another should have a number of its own.
 * @example smsSender(config, "customer-onboarding") // → "+15005550007" with TWILIO_FROM_CUSTOMER_ONBOARDING set
 */
export function smsSender(config: Readonly<Record<string, unknown>>, workflowId: string): string | null {
  return (
    text(config, `TWILIO_FROM_${workflowId.toUpperCase().replaceAll("-", "_")}`) ?? text(config, "TWILIO_FROM") ?? null
  );
}

/**
 * How an inbound SMS (`message.received`) names its conversation: the number it was sent to (`To`), which is the
 * sender of the workflow whose texts the customer answers (`smsSender`).
 * @example { source: "twilio", events: ["message.received"], caseKey: (e) => phone(e.From), opens: false, reply: smsReplies }
 */
export const smsReplies: ReplyThread = {
  named: (payload) => {
    const to = (payload as { To?: unknown } | null)?.To;
    return typeof to === "string" ? (e164(to) ?? to) : null;
  },
  handleOf: (conversation, config) => {
    const sender = smsSender(config, conversation.workflowId);
    return sender === null ? null : (e164(sender) ?? sender);
  },
};

/**
 * An `ask` channel by SMS that reads its settings when it sends, inside the step (missing configuration escalates
 * that step, as `emailChannel` does). The reply is matched by the customer's number; with the case's
 * `conversation`, the text goes out from its workflow's own sender (`smsSender`), which is what the answer names.
 * @example const reply = await step.ask("consent", smsChannel(config, { to: "+4915112345678" }, conversation), "Reply YES to agree.", { timeout: "72h" });
 */
export function smsChannel(
  config: Readonly<Record<string, unknown>>,
  recipient: { to: string },
  conversation?: Conversation,
  source = "twilio",
): Channel {
  return {
    name: "sms",
    send: (body, ctx) => {
      const settings = twilioConfig(config);
      const from = conversation ? smsSender(config, conversation.workflowId) : null;
      return twilioClient(from ? { ...settings, from } : settings).sendSms({ to: recipient.to, body }, ctx);
    },
    reply: smsReplyFrom(recipient.to, source),
  };
}
