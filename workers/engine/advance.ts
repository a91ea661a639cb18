/**
 * The pure core: given a workflow and the steps a case has already completed, run the body until exactly one
 * new step completes (or the case ends), and report what happened. The shell persists that and calls again,
 * so every step is durable before the next begins, and a crash repeats at most the step in flight.
 */
import type { Outcome, StepRecord, WorkflowDefinition } from "./types.ts";

export type Advance =
  | { kind: "step"; record: StepRecord }
  | { kind: "resolved"; record: StepRecord; outcome: Outcome }
  | { kind: "failed"; error: { name: string; message: string; stepId?: string } };

/** Thrown when a replay meets steps in a different order than recorded: the body is not deterministic. */
export class NonDeterminismError extends Error {
  constructor(position: number, expected: string, got: string) {
    super(`step #${position} was "${expected}" when recorded but is "${got}" on replay; code outside steps must be deterministic`);
    this.name = "NonDeterminismError";
  }
}

/** Stops the body after a new step has completed; never escapes `advanceCase`. */
class Suspend {
  constructor(readonly result: Advance) {}
}

export interface AdvanceInput<I> {
  workflow: WorkflowDefinition<I>;
  caseKey: string;
  input: I;
  completed: readonly StepRecord[];
  now: () => number;
}

/**
 * @example
 * const next = await advanceCase({ workflow, caseKey, input, completed: storedSteps, now: Date.now });
 * if (next.kind === "step") persist(next.record);
 */
export async function advanceCase<I>({ workflow, caseKey, input, completed, now }: AdvanceInput<I>): Promise<Advance> {
  let position = 0;
  const replay = (id: string): StepRecord | undefined => {
    const recorded = completed[position];
    if (recorded && recorded.id !== id) throw new NonDeterminismError(position, recorded.id, id);
    position++;
    return recorded;
  };
  const seen = new Set<string>();
  const claim = (id: string) => {
    if (seen.has(id)) throw new TypeError(`step id "${id}" is used twice in workflow ${workflow.id}; step ids are memo keys`);
    seen.add(id);
  };

  const step = {
    async run<T>(id: string, fn: () => T | Promise<T>): Promise<T> {
      claim(id);
      const recorded = replay(id);
      if (recorded) return recorded.output as T;
      const startedAt = now();
      const output = await fn();
      throw new Suspend({ kind: "step", record: { id, kind: "run", output: output ?? null, startedAt, finishedAt: now() } });
    },
    async resolve(outcome: string, detail?: Record<string, unknown>): Promise<Outcome> {
      const id = `resolve:${outcome}`;
      claim(id);
      replay(id);
      const at = now();
      const result: Outcome = detail ? { outcome, detail } : { outcome };
      throw new Suspend({ kind: "resolved", record: { id, kind: "resolve", output: result, startedAt: at, finishedAt: at }, outcome: result });
    },
  };

  try {
    await workflow.body({ input, caseKey, step });
    return { kind: "failed", error: { name: "WorkflowError", message: `workflow ${workflow.id} returned without step.resolve()` } };
  } catch (thrown) {
    if (thrown instanceof Suspend) return thrown.result;
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    return { kind: "failed", error: { name: error.name, message: error.message, stepId: completed[position]?.id } };
  }
}
