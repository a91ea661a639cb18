/** `step.resolve`: ends the case as resolved with an outcome label. */
import type { Replay } from "../replay.ts";
import type { Outcome } from "../types/case.ts";
import type { StepApi } from "../types/workflow.ts";

export const resolveStep =
  (r: Replay): StepApi["resolve"] =>
  async (outcome: string, detail?: Record<string, unknown>): Promise<Outcome> => {
    const id = `resolve:${outcome}`;
    r.claim(id);
    r.replay(id);
    const at = r.now();
    const result: Outcome = detail ? { outcome, detail } : { outcome };
    return r.suspend({
      kind: "resolved",
      record: { id, kind: "resolve", output: result, startedAt: at, finishedAt: at },
      outcome: result,
    });
  };
