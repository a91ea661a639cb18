/**
 * `step.ask`: sends the customer a question on a channel and waits for the reply, with one optional reminder. With
 * `interjections`, a message that is not the reply (a question the customer asks meanwhile) is answered by the
 * workflow's own steps and the ask waits again, for what is left of its time: its reminder and its timeout stay
 * measured from the first wait, whatever the customer writes in between.
 */
import type { Replay } from "../replay.ts";
import type { CaseEvent, StepContext } from "../types/case.ts";
import type { AskInterjections, Channel, SentQuestion, StepApi } from "../types/workflow.ts";
import { runOnce } from "./run.ts";

/** Interjections answered per ask unless `max` says otherwise; past them a message is taken as the reply. */
export const DEFAULT_MAX_INTERJECTIONS = 10;

export const askStep =
  (r: Replay): StepApi["ask"] =>
  async (id, channel, message, options) => {
    r.claim(id);
    const timeout = r.span(options.timeout);
    // The question itself is recorded with the provider's answer, so the case shows what the customer was asked.
    const send =
      (text: string | (() => string)) =>
      async (ctx: StepContext): Promise<SentQuestion> => {
        // A reminder given as a function is written when it is sent (in the language the case speaks by then).
        const written = typeof text === "function" ? text() : text;
        return { channel: channel.name, text: written, sent: (await channel.send(written, ctx)) ?? null };
      };
    await runOnce(r, `${id}:send`, "ask", send(message));
    const remindAfter = r.optionalSpan(options.remindAfter);
    const reminds = remindAfter !== null && remindAfter < timeout;
    if (options.interjections)
      return conversation(
        r,
        id,
        channel,
        { timeout, remindAfter: reminds ? remindAfter : null },
        send(options.reminder ?? message),
        options.interjections,
      );
    if (!reminds) return r.waitStep(`${id}:reply`, "ask", channel.reply, timeout);
    const early = await r.waitStep(`${id}:reply`, "ask", channel.reply, remindAfter);
    if (early) return early;
    await runOnce(r, `${id}:reminder`, "ask", send(options.reminder ?? message));
    return r.waitStep(`${id}:reply-after-reminder`, "ask", channel.reply, timeout - remindAfter);
  };

/**
 * When a wait began: its record's start on replay, else the start the replay gives it (kept from the first time the
 * case parked on it), so the remaining time computed from it is the same on every replay.
 */
function startOf(r: Replay, waitId: string): number {
  const recorded = r.completed[r.position];
  return recorded?.id === waitId ? recorded.startedAt : r.waitStart(waitId);
}

/**
 * The ask's waits when messages may come in between: each message is classified; an interjection is answered under
 * `<id>:message-<seq>` (its event's sequence number: the same ids on every replay) and the next wait,
 * `<id>:reply-after-message-<seq>`, lasts until the deadline the first wait set (the reminder's, then the timeout's).
 */
async function conversation(
  r: Replay,
  id: string,
  channel: Channel,
  spans: { timeout: number; remindAfter: number | null },
  remind: (ctx: StepContext) => Promise<SentQuestion>,
  handler: AskInterjections,
): Promise<CaseEvent | null> {
  const max = handler.max ?? DEFAULT_MAX_INTERJECTIONS;
  const earlier: CaseEvent[] = [];
  let reminded = spans.remindAfter === null;
  let waitId = `${id}:reply`;
  let start: number | null = null;
  for (;;) {
    const begins = startOf(r, waitId);
    start ??= begins;
    const until = start + (reminded ? spans.timeout : (spans.remindAfter ?? spans.timeout));
    const event = await r.waitStep(waitId, "ask", channel.reply, Math.max(0, until - begins));
    if (!event) {
      if (reminded) return null;
      await runOnce(r, `${id}:reminder`, "ask", remind);
      reminded = true;
      waitId = `${id}:reply-after-reminder`;
      continue;
    }
    const kind = earlier.length >= max ? "reply" : handler.classify(event);
    if (kind === "reply") return event;
    await handler.answer(event, { stepId: `${id}:message-${event.seq}`, earlier: [...earlier] });
    earlier.push(event);
    if (kind === "both") return event;
    waitId = `${id}:reply-after-message-${event.seq}`;
  }
}
