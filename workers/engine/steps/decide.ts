/**
 * `step.decide`: a deterministic rule's verdict with its rationale, recorded once (a rule is not retried). A verdict
 * that settles a customer's message (`turn`) is audited as `conversation.turn` too, which the measures count.
 */
import type { Replay } from "../replay.ts";
import type { RuleDecision, StepApi } from "../types/workflow.ts";
import { runOnce } from "./run.ts";

export const decideStep =
  (r: Replay): StepApi["decide"] =>
  <T extends string>(id: string, rule: () => RuleDecision<T>) =>
    runOnce(r, id, "decide", rule, { retries: 0 }, (verdict) =>
      verdict.turn ? { entries: [{ action: "conversation.turn", detail: { ...verdict.turn } }] } : undefined,
    );
