/**
 * Drives the pure engine the way a case shell does, for the engine's unit tests: each result is persisted into
 * `state` and fed back, until the case parks, retries later or ends (the runtime's runSteps, without storage).
 */
import { agentSteps } from "../../workers/agent/agent-step.ts";
import {
  type Advance,
  advanceCase,
  type CaseEvent,
  type PendingWait,
  type RetryState,
  type StepRecord,
  type WorkflowDefinition,
} from "../../workers/engine/index.ts";

export interface EngineState {
  completed: StepRecord[];
  wait: PendingWait | null;
  retries: Record<string, RetryState>;
}

export const freshState = (): EngineState => ({ completed: [], wait: null, retries: {} });

/** @example const next = await driveEngine(workflow, [opener], 0, freshState(), { caseKey: "deal:7", input: opener.payload }); */
export async function driveEngine(
  workflow: WorkflowDefinition,
  events: CaseEvent[],
  at: number,
  state: EngineState,
  options: { caseKey: string; input: unknown; config?: Record<string, unknown> },
): Promise<Advance> {
  for (let i = 0; i < 50; i++) {
    const next = await advanceCase({
      workflow,
      caseKey: options.caseKey,
      input: options.input as never,
      events,
      completed: state.completed,
      pendingWait: state.wait,
      retries: state.retries,
      now: () => at,
      random: () => 1,
      config: options.config ?? {},
      extend: agentSteps(),
    });
    if (next.kind === "step" || next.kind === "sla") {
      state.completed.push(next.record);
      // A step ends the wait; an SLA record is kept while the task goes on waiting.
      state.wait = next.kind === "sla" ? next.wait : null;
      delete state.retries[next.record.id];
      continue;
    }
    if (next.kind === "waiting") {
      state.wait = next.wait;
      if (next.retry) state.retries[next.retry.stepId] = next.retry.state;
    }
    if (next.kind === "retry") state.retries[next.stepId] = next.retry;
    if (next.kind === "resolved") state.completed.push(next.record);
    return next;
  }
  throw new Error("the case neither parked nor ended within 50 steps");
}
