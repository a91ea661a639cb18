/** `step.waitFor` (another system's event, consuming one that came early) and `step.sleep` (a durable timer). */
import type { Replay } from "../replay.ts";
import type { Duration } from "../types/case.ts";
import type { StepApi } from "../types/workflow.ts";

export const waitForStep =
  (r: Replay): StepApi["waitFor"] =>
  (id, matcher, options = {}) =>
    r.waitStep(id, "waitFor", matcher, r.optionalSpan(options.timeout));

export const sleepStep =
  (r: Replay): StepApi["sleep"] =>
  async (id: string, duration: Duration) => {
    await r.waitStep(id, "sleep", null, r.span(duration));
  };
