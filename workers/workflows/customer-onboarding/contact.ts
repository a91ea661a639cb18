/**
 * How a case talks to its applicant: by SMS when they chose it (version 2 on), else by email. Every channel is marked
 * with the case's conversation, so the customer's answer comes back to this case, not to their others. With `chat`
 * (version 4 on) its asks also hear the customer's chat messages, and carry the case's chat link when the deployment
 * has a public address (`CROSSFLOW_PUBLIC_URL`) and a link secret (`CHAT_LINK_SECRET`).
 */
import { withChat } from "../../connectors/chat/events.ts";
import { CHAT_LINK_TTL_MS, signChatLink } from "../../connectors/chat/link.ts";
import { emailChannel, emailClient, emailConfig } from "../../connectors/email/client.ts";
import { smsChannel } from "../../connectors/twilio/client.ts";
import type { AskOptions, CaseEvent, Channel, StepContext, WorkflowContext } from "../../engine/index.ts";
import type { Application } from "./application.ts";

export interface CustomerContact {
  /** The number the case texts, or null when it talks by email. */
  sms: string | null;
  /** "SMS" or "email": how the customer was asked, for the person an exception goes to. */
  by: string;
  channel(subject: string): Channel;
  /**
   * Asks, reminds after 24 h, and answers null after 72 h without a reply; with `interjections`, other messages are
   * answered meanwhile and the deadlines stay those of the first ask; `reminder` is written when it is sent.
   */
  ask(
    id: string,
    subject: string,
    message: string,
    options?: Pick<AskOptions, "interjections" | "reminder">,
  ): Promise<CaseEvent | null>;
  /** Sends inside a step: a text by SMS, or an email with this subject (a reply's `Re: …`, the welcome). */
  send(subject: string, text: string, ctx: StepContext): unknown;
}

export function customerContact(
  app: Application,
  sms: string | null,
  { step, config, conversation }: Pick<WorkflowContext<unknown>, "step" | "config" | "conversation">,
  { chat = false }: { chat?: boolean } = {},
): CustomerContact {
  const direct = (subject: string) =>
    sms
      ? smsChannel(config, { to: sms }, conversation)
      : emailChannel(config, { to: app.email, subject }, conversation);
  const channel = (subject: string) => {
    const base = direct(subject);
    return chat ? { ...base, reply: withChat(base.reply) } : base;
  };
  const publicUrl =
    typeof config.CROSSFLOW_PUBLIC_URL === "string" ? config.CROSSFLOW_PUBLIC_URL.replace(/\/+$/, "") : "";
  // Signed once per ask, in a step: the link (and its expiry) is recorded, so a replay sends the same text.
  const withChatLink = async (id: string, message: string) => {
    if (!chat || !publicUrl || !config.CHAT_LINK_SECRET) return message;
    const token = await step.run(`${id}:chat-link`, () =>
      signChatLink(config, {
        workflowId: conversation.workflowId,
        caseKey: conversation.caseKey,
        seq: conversation.seq,
        expiresAt: Date.now() + CHAT_LINK_TTL_MS,
      }),
    );
    return token ? `${message}\n\nChat: ${publicUrl}/chat/${token}` : message;
  };
  // Built inside the step that sends, so a missing email setting escalates that step, not the case.
  const mail = () => {
    const settings = emailConfig(config);
    return { client: emailClient(settings), from: settings.from };
  };
  return {
    sms,
    by: sms ? "SMS" : "email",
    channel,
    ask: async (id, subject, message, options) =>
      step.ask(id, channel(subject), await withChatLink(id, message), {
        timeout: "72h",
        remindAfter: "24h",
        ...options,
      }),
    send: (subject, text, ctx) =>
      sms
        ? channel(subject).send(text, ctx)
        : mail().client.send({ from: mail().from, to: app.email, subject, text }, ctx),
  };
}
