/** `step.ask`: sends the customer a question on a channel and waits for the reply, with one optional reminder. */
import type { Replay } from "../replay.ts";
import type { StepContext } from "../types/case.ts";
import type { SentQuestion, StepApi } from "../types/workflow.ts";
import { runOnce } from "./run.ts";

export const askStep =
  (r: Replay): StepApi["ask"] =>
  async (id, channel, message, options) => {
    r.claim(id);
    const timeout = r.span(options.timeout);
    // The question itself is recorded with the provider's answer, so the case shows what the customer was asked.
    const send =
      (text: string) =>
      async (ctx: StepContext): Promise<SentQuestion> => ({
        channel: channel.name,
        text,
        sent: (await channel.send(text, ctx)) ?? null,
      });
    await runOnce(r, `${id}:send`, "ask", send(message));
    const remindAfter = r.optionalSpan(options.remindAfter);
    if (remindAfter === null || remindAfter >= timeout) return r.waitStep(`${id}:reply`, "ask", channel.reply, timeout);
    const early = await r.waitStep(`${id}:reply`, "ask", channel.reply, remindAfter);
    if (early) return early;
    await runOnce(r, `${id}:reminder`, "ask", send(options.reminder ?? message));
    return r.waitStep(`${id}:reply-after-reminder`, "ask", channel.reply, timeout - remindAfter);
  };
