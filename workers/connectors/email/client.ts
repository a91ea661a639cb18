/**
 * Email through a Resend-style API (https://resend.com/docs/api-reference/emails/send-email), and the `ask`
 * channel over it: the message goes out by API, the reply comes back as an inbound `email.received` webhook.
 */
import type { Channel, Conversation, ReplyThread } from "../../engine/index.ts";
import { type ApiConfig, callApi, connectorSettings } from "../http.ts";
import type { PayloadOf } from "../triggers.ts";
import type { emailEvents } from "./events.ts";

/** Settings from configuration: `RESEND_API_KEY`, optional `RESEND_API_BASE_URL` (a simulator locally) and `CROSSFLOW_EMAIL_FROM`. */
export function emailConfig(config: Readonly<Record<string, unknown>>): Omit<ApiConfig, "system"> & { from: string } {
  const from =
    typeof config.CROSSFLOW_EMAIL_FROM === "string" && config.CROSSFLOW_EMAIL_FROM
      ? config.CROSSFLOW_EMAIL_FROM
      : "support@crossflow.local";
  return {
    ...connectorSettings(config, {
      key: "RESEND_API_KEY",
      baseUrl: "RESEND_API_BASE_URL",
      defaultBaseUrl: "https://api.resend.com",
    }),
    from,
  };
}

export function emailClient(config: Omit<ApiConfig, "system">) {
  const api = { ...config, system: "email" };
  return {
    /** @example await email.send({ from, to, subject, text }, { idempotencyKey }); */
    send(
      message: { from: string; to: string; subject: string; text: string; reply_to?: string },
      ctx: { idempotencyKey: string },
    ) {
      return callApi<{ id: string }>(api, "/emails", { json: message, idempotencyKey: ctx.idempotencyKey });
    },
    /**
     * A conversation with one customer by email: replies arrive through the `resend` webhook source.
     * @example const reply = await step.ask("documents", email.channel({ from, to, subject }), "Please send your ID", { timeout: "48h" });
     */
    channel(thread: { from: string; to: string; subject: string }, source = "resend"): Channel {
      return {
        name: "email",
        send: (text, ctx) => this.send({ ...thread, text }, ctx),
        reply: replyFrom(thread.to, source),
      };
    },
  };
}

/** The customer's inbound email (through a Standard Webhooks source such as `resend`). */
const replyFrom = (address: string, source: string) => ({
  source,
  type: "email.received",
  where: (p: PayloadOf<typeof emailEvents, "email.received">) =>
    String(p.data.from ?? "")
      .toLowerCase()
      .includes(address.toLowerCase()),
});

/**
 * The reply-to address of a case's conversation: `reply+<token>@<domain>`, where the domain is
 * `CROSSFLOW_REPLY_DOMAIN` (the inbound domain your email provider routes to the `resend` webhook) or, by default,
 * the sender's own. Mail clients answer to it, so the reply names the case it answers.
 * @example replyAddress(config, conversation) // → "reply+c3f1…@crossflow.local"
 */
export function replyAddress(config: Readonly<Record<string, unknown>>, conversation: Conversation): string {
  const configured =
    typeof config.CROSSFLOW_REPLY_DOMAIN === "string" && config.CROSSFLOW_REPLY_DOMAIN
      ? config.CROSSFLOW_REPLY_DOMAIN
      : null;
  const domain = configured ?? emailConfig(config).from.replace(/^.*@/, "").replace(/>.*$/, "");
  return `reply+${conversation.token}@${domain}`;
}

const REPLY_TOKEN = /reply\+(c[0-9a-f]{20}(?:-[1-9][0-9]{0,8})?)@/i;

/**
 * How an inbound email (`email.received`) names its conversation: the token of a `reply+<token>@…` address among
 * its recipients (`to`, `cc`), as a mail client sends a reply to the reply-to address the case set.
 * @example { source: "resend", events: ["email.received"], caseKey: (e) => email(e.data?.from), opens: false, reply: emailReplies }
 */
export const emailReplies: ReplyThread = {
  named(payload) {
    const data = (payload as { data?: { to?: unknown; cc?: unknown } } | null)?.data;
    const recipients = [data?.to, data?.cc].flat().filter((r): r is string => typeof r === "string");
    for (const address of recipients) {
      const token = REPLY_TOKEN.exec(address)?.[1];
      if (token) return token.toLowerCase();
    }
    return null;
  },
  handleOf: (conversation) => conversation.token,
};

/**
 * An `ask` channel that reads its settings when it sends, inside the step: missing configuration then escalates
 * that step (a person can retry once it is fixed) instead of failing the case while the body is replayed. With the
 * case's `conversation`, the message carries its reply-to address, so the answer reaches this case only.
 * @example const reply = await step.ask("details", emailChannel(config, { to, subject }, conversation), "Which charge?", { timeout: "48h" });
 */
export function emailChannel(
  config: Readonly<Record<string, unknown>>,
  thread: { to: string; subject: string },
  conversation?: Conversation,
  source = "resend",
): Channel {
  return {
    name: "email",
    send: (text, ctx) => {
      const settings = emailConfig(config);
      return emailClient(settings).send(
        {
          from: settings.from,
          ...thread,
          text,
          ...(conversation ? { reply_to: replyAddress(config, conversation) } : {}),
        },
        ctx,
      );
    },
    reply: replyFrom(thread.to, source),
  };
}
