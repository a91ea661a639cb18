/** What one run of a case's body ends with, and the signal that stops the body there. */
import type { Outcome, RetryState, StepContext, StepRecord } from "./types/case.ts";
import type { PendingWait, SlaBreach, SlaNoticeRecord } from "./types/human.ts";

export type Advance =
  | { kind: "step"; record: StepRecord }
  /**
   * Parked; `retry` is the state of a step handed to a person after its last attempt, or of an SLA notice that failed
   * and will be tried again while the person's task waits; `wakeAt`: when such a notice may be sent again.
   */
  | { kind: "waiting"; wait: PendingWait; retry?: { stepId: string; state: RetryState }; wakeAt?: number }
  /**
   * While a person's task waits: its SLA passed (`record` is the breach; `wait` holds the task as it now stands, maybe
   * in its next queue) or that breach's `notice` was sent or given up. The case stays parked on `wait`.
   */
  | { kind: "sla"; record: StepRecord; wait: PendingWait; breach: SlaBreach; notice?: SlaNoticeRecord }
  /** A step failed and will run again at `retry.notBefore`. */
  | { kind: "retry"; stepId: string; retry: RetryState }
  | { kind: "resolved"; record: StepRecord; outcome: Outcome }
  | { kind: "failed"; error: { name: string; message: string; stepId?: string } };

/** Thrown when a replay meets steps in a different order than recorded: the body is not deterministic. */
export class NonDeterminismError extends Error {
  constructor(position: number, expected: string, got: string) {
    super(
      `step #${position} was "${expected}" when recorded but is "${got}" on replay; code outside steps must be deterministic`,
    );
    this.name = "NonDeterminismError";
  }
}

/** Stops the body once the case has something to persist; never escapes `advanceCase`. */
export class Suspend {
  constructor(readonly result: Advance) {}
}

/** What the shell's `beginAttempt` reports: the attempt's number, or with it whether it resumes and when the step first began. */
export type AttemptStart = number | Omit<StepContext, "idempotencyKey">;
