/**
 * A case's conversation with its customer, derived from the case's own record, so a replay, a reconnect and the
 * operator's page all show the same lines: the customer's messages are the events it stored (a chat message, an
 * email, an SMS), ours the messages its steps recorded as sent (an ask and its reminder, an answer in the chat: an
 * output `{ channel, text }`) and the answers its agent wrote and a `<step>:reply` step sent by email or SMS.
 */
import type { CaseEvent, StepRecord } from "../engine/index.ts";

export interface ConversationLine {
  /** Stable across reads: `event:<seq>` or `step:<step id>`. */
  id: string;
  from: "customer" | "us";
  text: string;
  /** How it travelled: `chat`, `email`, `sms`, or `message` (an answer sent by email or SMS). */
  channel: string;
  /** Epoch ms: when the case received it, or when the step that sent it finished. */
  at: number;
  /** The knowledge-base passages an answer of ours cited. */
  citations?: string[];
}

type Record_ = Pick<StepRecord, "id" | "output" | "finishedAt">;

/** The text of a customer's message, by the channel it came on; null for any other event. */
function customerText(event: Pick<CaseEvent, "source" | "type" | "payload">): { text: string; channel: string } | null {
  const p = event.payload as Record<string, unknown> | null;
  if (event.source === "chat" && event.type === "message.received" && typeof p?.text === "string")
    return { text: p.text, channel: "chat" };
  if (event.source === "resend" && event.type === "email.received") {
    const text = (p?.data as { text?: unknown } | undefined)?.text;
    return { text: typeof text === "string" ? text : "", channel: "email" };
  }
  if (event.source === "twilio" && event.type === "message.received")
    return { text: typeof p?.Body === "string" ? p.Body : "", channel: "sms" };
  return null;
}

const sent = (output: unknown): { channel: string; text: string; citations?: string[] } | null => {
  const o = output as { channel?: unknown; text?: unknown; citations?: unknown } | null;
  if (typeof o?.channel !== "string" || typeof o.text !== "string") return null;
  return {
    channel: o.channel,
    text: o.text,
    ...(Array.isArray(o.citations) ? { citations: o.citations.filter((c) => typeof c === "string") } : {}),
  };
};

/** An agent's answer the case sent by another step (`<agent step>:reply`, whose output is the provider's receipt). */
const answerOf = (output: unknown): { answer: string; citations: string[] } | null => {
  const d = (output as { decision?: { decision?: unknown; answer?: unknown; citations?: unknown } } | null)?.decision;
  return d?.decision === "answer" && typeof d.answer === "string"
    ? { answer: d.answer, citations: Array.isArray(d.citations) ? d.citations.map(String) : [] }
    : null;
};

/**
 * How far a reader has read the case's record: events up to this sequence number, and this many steps. Both only
 * grow (events are numbered as stored, steps kept in the order they completed), so the lines past a mark are exactly
 * the new ones, whatever their times.
 */
export interface ConversationMark {
  eventSeq: number;
  steps: number;
}

/** The mark at the end of this record. */
export const markOf = (events: readonly Pick<CaseEvent, "seq">[], steps: readonly unknown[]): ConversationMark => ({
  eventSeq: events.reduce((max, e) => Math.max(max, e.seq), 0),
  steps: steps.length,
});

/**
 * The conversation so far, oldest first; with `since`, only the lines recorded after that mark.
 * @example conversationLines(journal.events, journal.steps) // → [{ id: "step:document-0-again", from: "us", … }, { id: "event:2", from: "customer", … }]
 */
export function conversationLines(
  events: readonly Pick<CaseEvent, "seq" | "source" | "type" | "payload" | "receivedAt">[],
  steps: readonly Record_[],
  since: ConversationMark = { eventSeq: 0, steps: 0 },
): ConversationLine[] {
  const lines: ConversationLine[] = [];
  for (const event of events) {
    if (event.seq <= since.eventSeq) continue;
    const message = customerText(event);
    if (message) lines.push({ id: `event:${event.seq}`, from: "customer", at: event.receivedAt, ...message });
  }
  const byId = new Map(steps.map((s) => [s.id, s]));
  for (const step of steps.slice(since.steps)) {
    const said = sent(step.output);
    if (said) {
      lines.push({ id: `step:${step.id}`, from: "us", at: step.finishedAt, ...said });
      continue;
    }
    if (!step.id.endsWith(":reply")) continue;
    const answer = answerOf(byId.get(step.id.slice(0, -":reply".length))?.output);
    if (answer)
      lines.push({
        id: `step:${step.id}`,
        from: "us",
        at: step.finishedAt,
        text: answer.answer,
        // Sent by the customer's email or SMS channel (its receipt does not say which, in words).
        channel: "message",
        citations: answer.citations,
      });
  }
  // Stable: a message and the step it started keep their order when they share a millisecond.
  return lines.sort((a, b) => a.at - b.at);
}
