/**
 * The chat socket's protocol, the same on every platform (the case Durable Object, the Deno case host): what the
 * customer's page sends, what the case answers, the per-socket rate limit, and the case event a message becomes
 * (a `chat` `message.received`, stored by the case's own ingest like an email or SMS reply).
 *
 * Page → case: `{ type: "message", text }`. Case → page: `{ type: "lines", lines }` (the conversation so far on
 * connect, then what is new after each burst), `{ type: "accepted" }`, `{ type: "handover", message }` (the case
 * waits for a person: a question the agent does not answer itself), `{ type: "error", code, message }`.
 */
import { z } from "zod";
import { CHAT_MESSAGE, CHAT_SOURCE, type ChatMessage } from "../connectors/chat/events.ts";
import { conversationOf, type EventEnvelope, TERMINAL_STATUSES } from "../engine/index.ts";
import { type ConversationLine, type ConversationMark, conversationLines, markOf } from "./conversation.ts";
import type { CaseJournal } from "./journal.ts";
import type { CaseHeader } from "./storage.ts";

/** Messages a socket may send per window. */
export const CHAT_RATE = { messages: 5, windowMs: 10_000 } as const;

const InboundFrame = z.object({ type: z.literal("message"), text: z.string().trim().min(1).max(2_000) });

/** What a socket remembers across hibernation (a few numbers): how far it was sent the record, and its rate window. */
export interface ChatSocketState {
  sent: ConversationMark;
  windowStart: number;
  count: number;
}

export const newChatSocketState = (now: number): ChatSocketState => ({
  sent: { eventSeq: 0, steps: 0 },
  windowStart: now,
  count: 0,
});

export type ChatFrame =
  | { type: "lines"; lines: ConversationLine[] }
  | { type: "accepted" }
  | { type: "handover"; message: string }
  | { type: "error"; code: string; message: string };

const error = (code: string, message: string): ChatFrame => ({ type: "error", code, message });

/**
 * Reads one frame from the page: the message's text, or the error frame to answer with. Counts it against the
 * socket's window (mutates `state`).
 * @example const read = readChatFrame(raw, state, Date.now()); if ("error" in read) ws.send(JSON.stringify(read.error));
 */
export function readChatFrame(
  raw: string | ArrayBuffer,
  state: ChatSocketState,
  now: number,
): { text: string } | { error: ChatFrame } {
  if (now - state.windowStart >= CHAT_RATE.windowMs) {
    state.windowStart = now;
    state.count = 0;
  }
  state.count++;
  if (state.count > CHAT_RATE.messages)
    return {
      error: error(
        "rate_limited",
        `Too many messages: at most ${CHAT_RATE.messages} every ${CHAT_RATE.windowMs / 1000} seconds. Please wait a moment.`,
      ),
    };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
  } catch {
    return { error: error("invalid_frame", "The message could not be read.") };
  }
  const frame = InboundFrame.safeParse(parsed);
  if (!frame.success) return { error: error("invalid_frame", "A message needs text, at most 2,000 characters.") };
  return { text: frame.data.text };
}

/**
 * The case event a chat message becomes, or the error frame when the case no longer takes messages.
 * @example const built = chatEnvelope(header, "Welche Formate?", crypto.randomUUID(), Date.now());
 */
export function chatEnvelope(
  header: CaseHeader | null,
  text: string,
  id: string,
  now: number,
): { envelope: EventEnvelope } | { error: ChatFrame } {
  if (!header) return { error: error("no_case", "This conversation does not exist.") };
  if (TERMINAL_STATUSES.includes(header.status))
    return { error: error("case_ended", "This conversation has ended: please contact us by email.") };
  const payload: ChatMessage = {
    channel: "chat",
    conversation: conversationOf(header.workflowId, header.caseKey, header.seq).token,
    caseKey: header.caseKey,
    text,
  };
  return {
    envelope: {
      id: `chat:${id}`,
      source: CHAT_SOURCE,
      type: CHAT_MESSAGE,
      receivedAt: now,
      caseKey: header.caseKey,
      workflow: { id: header.workflowId, version: header.workflowVersion },
      opens: false,
      ...(header.seq > 1 ? { caseSeq: header.seq } : {}),
      payloadJson: JSON.stringify(payload),
    },
  };
}

/**
 * The conversation lines of the case's record a socket has not been sent yet (and notes them as sent), or null when
 * there are none. Read past the socket's mark, so a line recorded late with an earlier time is not skipped.
 * @example const frame = newLines(journal, state); if (frame) ws.send(JSON.stringify(frame));
 */
export function newLines(
  journal: Pick<CaseJournal, "events" | "steps"> | null,
  state: ChatSocketState,
): ChatFrame | null {
  if (!journal) return null;
  const fresh = conversationLines(journal.events, journal.steps, state.sent);
  state.sent = markOf(journal.events, journal.steps);
  return fresh.length > 0 ? { type: "lines", lines: fresh } : null;
}

/**
 * While the case waits for a person (the agent handed a question over: not covered, a request for a person, anger),
 * the page says so instead of waiting for an answer that the agent will not write; null otherwise.
 * @example const handover = handoverFrame(journal); if (handover) ws.send(JSON.stringify(handover));
 */
export function handoverFrame(journal: Pick<CaseJournal, "header"> | null): ChatFrame | null {
  return journal?.header.wait?.kind === "human"
    ? {
        type: "handover",
        message: "A person from our team will answer you. You can close this page; we will write to you.",
      }
    : null;
}
