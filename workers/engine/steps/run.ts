/**
 * `step.run`: a function that runs once per case (replayed after), retried with backoff, handed to a person at the end;
 * and that memoised run itself, which the other step kinds that call out (and the agent step) build on.
 */
import { attempt } from "../attempts.ts";
import { awaitHuman, awaitPerson, failureTask, resolvedByHuman } from "../handoff.ts";
import { decisionsFor } from "../human.ts";
import type { Replay } from "../replay.ts";
import { slaPlan } from "../sla.ts";
import { Suspend } from "../suspend.ts";
import type { RetryPolicy, RetryState, StepContext, StepKind, StepRecord } from "../types/case.ts";
import type { StepApi } from "../types/workflow.ts";

/** How a step's record is audited: who acted (a model for an agent turn) and extra entries (its guardrail verdicts). */
export type DescribeStep<T> = (output: T) => StepRecord["audit"];

/**
 * A step whose function runs once per case: replayed from the journal, retried with backoff, and handed to a person
 * after its last attempt (who may run it again or resolve the case).
 */
export async function runOnce<T>(
  r: Replay,
  id: string,
  kind: StepKind,
  fn: (ctx: StepContext) => T | Promise<T>,
  policy: RetryPolicy = {},
  describe?: DescribeStep<T>,
): Promise<T> {
  r.claim(id);
  const sla = r.slaRecords(id);
  const recorded = r.replay(id);
  if (recorded) return recorded.output as T;
  let previous: RetryState | undefined = r.sla.retries[id];
  if (previous?.escalatedAfterSeq !== undefined) {
    // Retries ran out and a person has the step: only their decision moves it.
    const decision = decisionsFor(r.events, id, previous.escalatedAfterSeq).at(-1);
    if (!decision) {
      const task = failureTask(r, id, previous);
      const plan = slaPlan(
        undefined,
        task.slaDeadline === null ? null : task.slaDeadline - r.waitStart(id),
        (d) => r.span(d),
        r.notifierFor(undefined),
      );
      return awaitPerson(r, id, task, plan, sla, null);
    }
    if (decision.decision === "resolve") return resolvedByHuman(r, id, decision, decision);
    previous = undefined; // "retry": a fresh round of attempts, at once
  } else if (previous && r.now() < previous.notBefore) {
    // Woken early (by an event or another timer): the backoff still stands.
    throw new Suspend({ kind: "retry", stepId: id, retry: previous });
  }
  const result = await attempt(r, id, fn, previous, policy);
  if (!result.ok && result.final) {
    // The last attempt failed: a person takes the step over, with the error as context.
    const state: RetryState = { ...result.state, escalatedAfterSeq: r.events.at(-1)?.seq ?? 0 };
    return awaitHuman(r, id, failureTask(r, id, state), null, { stepId: id, state });
  }
  if (!result.ok) throw new Suspend({ kind: "retry", stepId: id, retry: result.state });
  const { output, startedAt } = result;
  return r.completeStep<T>({
    id,
    kind,
    output: output ?? null,
    startedAt,
    finishedAt: r.now(),
    ...(describe ? { audit: describe(output) } : {}),
  });
}

export const runStep =
  (r: Replay): StepApi["run"] =>
  (id, fn, policy) =>
    runOnce(r, id, "run", fn, policy);
