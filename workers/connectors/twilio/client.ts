/**
 * SMS through Twilio's Programmable Messaging REST API
 * (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource): a form-encoded
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP basic auth, and the `ask` channel over it (the
 * customer's reply comes back as Twilio's signed inbound-SMS webhook on the `twilio` source).
 *
 * Twilio has no idempotency key for messages: the step's key is sent anyway (harmless, and honoured by proxies
 * that dedupe on it), but a send retried after a crash between Twilio's answer and the step's record can text the
 * customer twice. The engine's outbox keeps that window to one attempt.
 */
import type { Channel, StepContext } from "../../engine/index.ts";
import { FatalError } from "../../engine/index.ts";
import { callApi, connectorSettings, type ApiConfig } from "../http.ts";

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
}

const text = (config: Readonly<Record<string, unknown>>, name: string) => (typeof config[name] === "string" && config[name] !== "" ? (config[name] as string) : undefined);

/**
 * Settings from configuration: `TWILIO_ACCOUNT_SID`, `TWILIO_API_KEY` (`<API key SID>:<secret>`, or
 * `<AccountSid>:<AuthToken>`), `TWILIO_FROM` and optional `TWILIO_API_BASE_URL` (a simulator locally).
 * `TWILIO_AUTH_TOKEN` stays the webhook signing secret of the `twilio` source.
 */
export function twilioConfig(config: Readonly<Record<string, unknown>>): TwilioSettings {
  const settings = connectorSettings(config, { key: "TWILIO_API_KEY", baseUrl: "TWILIO_API_BASE_URL", defaultBaseUrl: "https://api.twilio.com" });
  const accountSid = text(config, "TWILIO_ACCOUNT_SID");
  if (!accountSid) throw new FatalError("TWILIO_ACCOUNT_SID is not set");
  const from = text(config, "TWILIO_FROM");
  if (!from) throw new FatalError("TWILIO_FROM is not set (an E.164 number of the account or a Messaging Service SID)");
  return { ...settings, accountSid, from };
}

/** A phone number as E.164 (`+4915112345678`), or null: spaces, dashes, dots and brackets are dropped; `00` → `+`. */
export function e164(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const compact = value.trim().replace(/[\s().-]/g, "").replace(/^00/, "+");
  return /^\+[1-9]\d{6,14}$/.test(compact) ? compact : null;
}

export function twilioClient(settings: TwilioSettings) {
  const api = { ...settings, auth: "basic" as const, system: "twilio" };
  const messages = `/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`;
  return {
    /** @example const sms = await twilio.sendSms({ to: "+4915112345678", body: "Your code is 123" }, ctx); */
    sendSms(message: { to: string; body: string }, ctx: Pick<StepContext, "idempotencyKey">) {
      const field = settings.from.startsWith("MG") ? "MessagingServiceSid" : "From";
      return callApi<TwilioMessage>(api, messages, { form: { To: message.to, [field]: settings.from, Body: message.body }, idempotencyKey: ctx.idempotencyKey });
    },
    /** Recent messages to a number, newest first. @example const { messages } = await twilio.listMessages({ to: "+4915112345678" }); */
    listMessages(filter: { to?: string } = {}) {
      return callApi<{ messages: TwilioMessage[] }>(api, `${messages}${filter.to ? `?${new URLSearchParams({ To: filter.to })}` : ""}`);
    },
  };
}

/** The customer's inbound SMS from `phone` (Twilio's `message.received` on the `twilio` source). */
export const smsReplyFrom = (phone: string, source = "twilio") => ({ source, type: "message.received", where: (p: any) => e164(p?.From) === e164(phone) });

/**
 * An `ask` channel by SMS that reads its settings when it sends, inside the step (missing configuration escalates
 * that step, as `emailChannel` does). The reply is matched by the customer's number.
 * @example const reply = await step.ask("consent", smsChannel(config, { to: "+4915112345678" }), "Reply YES to agree.", { timeout: "72h" });
 */
export function smsChannel(config: Readonly<Record<string, unknown>>, conversation: { to: string }, source = "twilio"): Channel {
  return {
    name: "sms",
    send: (body, ctx) => twilioClient(twilioConfig(config)).sendSms({ to: conversation.to, body }, ctx),
    reply: smsReplyFrom(conversation.to, source),
  };
}
