/**
 * The customer's messages from the chat page (`GET /chat/:token`): the case itself stores them as `chat`
 * `message.received` events, through the same case ingest as an email or SMS reply, once the signed link has named
 * the case. A workflow takes chat by declaring the trigger (it is how the chat route knows the case talks by chat)
 * and by letting its asks hear the chat (`withChat`).
 */
import { z } from "zod";
import type { EventMatcher, ReplyThread } from "../../engine/index.ts";
import { webhookEvents } from "../triggers.ts";

export const CHAT_SOURCE = "chat";
export const CHAT_MESSAGE = "message.received";

export const ChatMessage = z.object({
  /** Always `chat`: tells a chat message from an email or SMS in a matcher that hears all three. */
  channel: z.literal("chat"),
  /** The conversation token of the case the link names (see `conversationOf`). */
  conversation: z.string(),
  caseKey: z.string(),
  text: z.string().min(1).max(2_000),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** @example chatEvents["message.received"].safeParse(payload).success */
export const chatEvents = { [CHAT_MESSAGE]: ChatMessage } as const;

/**
 * Typed triggers on the `chat` source.
 * @example chatWebhooks.on("message.received", { caseKey: (e) => e.caseKey, opens: false, reply: chatReplies })
 */
export const chatWebhooks = webhookEvents(CHAT_SOURCE, chatEvents);

/** A chat message names its case's conversation exactly: the signed link did. */
export const chatReplies: ReplyThread = {
  named: (payload) => {
    const conversation = (payload as { conversation?: unknown } | null)?.conversation;
    return typeof conversation === "string" ? conversation : null;
  },
  handleOf: (conversation) => conversation.token,
};

export const isChatMessage = (payload: unknown): payload is ChatMessage =>
  (payload as { channel?: unknown } | null)?.channel === "chat";

/**
 * An ask's reply matcher that also hears the customer's chat messages.
 * @example const channel = { ...email, reply: withChat(email.reply) };
 */
export function withChat(matcher: EventMatcher): EventMatcher {
  // Absent means any: it stays so (adding chat to "any" would narrow it to chat).
  const plus = (v: string | readonly string[] | undefined, extra: string) =>
    v === undefined ? undefined : [...(typeof v === "string" ? [v] : v), extra];
  return {
    source: plus(matcher.source, CHAT_SOURCE),
    type: plus(matcher.type, CHAT_MESSAGE),
    where: (payload) => (isChatMessage(payload) ? true : matcher.where ? matcher.where(payload) : true),
  };
}
