/**
 * The pure core: given a workflow, the case's events and the steps it has already completed, run the body
 * until exactly one new step completes, the case must wait, or it ends. The shell persists the result and
 * calls again, so every step is durable before the next begins and a crash repeats at most the step in flight.
 * In a sticky run the shell persists each completed step during the call (`persistStep`) and the body goes on, so a
 * burst of n steps runs the body once instead of replaying it n times.
 */
import { toError } from "./attempts.ts";
import { FatalError } from "./errors.ts";
import { Replay, type ReplayInput } from "./replay.ts";
import { conversationOf } from "./routing.ts";
import { aliasStep } from "./steps/alias.ts";
import { approveStep } from "./steps/approve.ts";
import { askStep } from "./steps/ask.ts";
import { decideStep } from "./steps/decide.ts";
import { escalateStep, escalateWithProposalStep } from "./steps/escalate.ts";
import { policyStep } from "./steps/policy.ts";
import { resolveStep } from "./steps/resolve.ts";
import { type DescribeStep, runOnce, runStep } from "./steps/run.ts";
import { sleepStep, waitForStep } from "./steps/wait.ts";
import { type Advance, Suspend } from "./suspend.ts";
import type { RetryPolicy, StepContext, StepKind } from "./types/case.ts";
import type { StepApi, WorkflowContext, WorkflowDefinition, WorkflowExtensions } from "./types/workflow.ts";

export { type Advance, type AttemptStart, NonDeterminismError } from "./suspend.ts";

/**
 * What a step kind from outside the engine builds on (see `WorkflowExtensions`): the engine's own steps, a memoised
 * step of its own kind with its own audit, and where it runs.
 */
export interface ExtensionKit {
  step: StepApi;
  runStep<T>(
    id: string,
    kind: StepKind,
    fn: (ctx: StepContext) => T | Promise<T>,
    policy: RetryPolicy,
    describe?: DescribeStep<T>,
  ): Promise<T>;
  site: { workflowId: string; workflowVersion: number; caseKey: string };
}

export interface AdvanceInput<I> extends ReplayInput {
  workflow: WorkflowDefinition<I>;
  /** The payload of the event that opened the case. */
  input: I;
  /**
   * The step kinds from outside the engine (the agent step: `agentSteps(models)` from workers/agent). Without it a
   * workflow that calls one fails that step with a clear error.
   */
  extend?: (kit: ExtensionKit) => WorkflowExtensions;
}

/** Extension steps a caller did not plug in: each fails the case's step with the reason, never `undefined is not a function`. */
const missingExtensions = new Proxy({} as WorkflowExtensions, {
  get: (_target, name) => () => {
    throw new FatalError(
      `the "${String(name)}" step is not available: the engine was set up without it (pass advanceCase's extend)`,
    );
  },
});

/**
 * Runs the body to its next result. With `persistStep` (a sticky run) each new step is handed to the shell to persist
 * and the body goes on, so only the last result comes back; the only throw is `persistStep`'s own.
 * @example
 * const next = await advanceCase({ workflow, caseKey, input, events, completed, pendingWait: null, now: Date.now, extend: agentSteps(models) });
 * if (next.kind === "step") persist(next.record);
 */
export async function advanceCase<I>(args: AdvanceInput<I>): Promise<Advance> {
  const r = new Replay(args);
  const step: StepApi = {
    run: runStep(r),
    decide: decideStep(r),
    waitFor: waitForStep(r),
    sleep: sleepStep(r),
    alias: aliasStep(r),
    ask: askStep(r),
    approve: approveStep(r),
    escalate: escalateStep(r),
    escalateWithProposal: escalateWithProposalStep(r),
    resolve: resolveStep(r),
    policy: policyStep(r),
  };
  const { workflow, caseKey } = args;
  const kit: ExtensionKit = {
    step,
    runStep: (id, kind, fn, policy, describe) => runOnce(r, id, kind, fn, policy, describe),
    site: { workflowId: workflow.id, workflowVersion: workflow.version, caseKey },
  };
  const extensions = args.extend?.(kit) ?? missingExtensions;
  try {
    // The extensions sit behind the context (its prototype): a body destructures `agent` beside `step` either way.
    const context: WorkflowContext<I> = Object.assign(Object.create(extensions) as WorkflowContext<I>, {
      input: args.input,
      caseKey,
      conversation: conversationOf(workflow.id, caseKey, r.caseSeq),
      step,
      config: r.config,
    });
    await workflow.body(context);
    if (r.persistFailure) throw r.persistFailure.error;
    return {
      kind: "failed",
      error: { name: "WorkflowError", message: `workflow ${workflow.id} returned without step.resolve()` },
    };
  } catch (thrown) {
    // Storage refused a sticky step's or an attempt's record: the shell's error, not the case's (nothing of it was kept).
    if (r.persistFailure) throw r.persistFailure.error;
    if (thrown instanceof Suspend) return thrown.result;
    const error = toError(thrown);
    return { kind: "failed", error: { name: error.name, message: error.message, stepId: r.completed[r.position]?.id } };
  }
}
