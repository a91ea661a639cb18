/** `step.run`: a function that runs once per case (replayed after), retried with backoff, handed to a person at the end. */
import type { Replay } from "../replay.ts";
import type { StepApi } from "../types/workflow.ts";

export const runStep =
  (r: Replay): StepApi["run"] =>
  (id, fn, policy) =>
    r.runStep(id, "run", fn, policy);
