/**
 * Runs case alarms that fall due soon in this process, a bounded number at a time. A case's timer is stored as a KV
 * record plus a delayed KV queue message (the durable part: it survives a crash and reaches another process), but
 * the local KV queue hands messages to the listener about one at a time, so a burst of new cases waits in line for
 * its first run far longer than the run takes. Running the near ones here as well overlaps their storage round trips;
 * the queue message, arriving later, finds the alarm already taken and does nothing.
 *
 * Its backlog (alarms due and not yet run) is what ingest admits new work against: past the limit, a sender is told
 * to come back (429 with `Retry-After`) before anything is accepted, instead of being accepted into a queue that
 * cannot drain within its promise.
 */

/** Timers further out than this stay with the KV queue alone (days-long waits, reminders). */
const LOCAL_HORIZON_MS = 30_000;
/** Completion rate is measured over windows of this length. */
const RATE_WINDOW_MS = 2_000;

export interface AlarmRunnerOptions {
  /** Alarms run at once; storage round trips overlap up to this many. */
  concurrency: number;
  /** Alarms due and not yet run past which new work is refused. */
  maxBacklog: number;
  now?: () => number;
}

export class AlarmRunner {
  private readonly due: string[] = [];
  private readonly pending = new Set<string>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private running = 0;
  private finishedInWindow = 0;
  private windowStart: number;
  /** Alarms finished per second, over the last complete window (0 until one completed). */
  private rate = 0;
  private readonly now: () => number;

  constructor(
    private readonly run: (caseId: string) => Promise<unknown>,
    private readonly options: AlarmRunnerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.windowStart = this.now();
  }

  /** Notes that `caseId`'s alarm is set for `at`: run here when it falls due, if that is soon (then true). */
  schedule(caseId: string, at: number): boolean {
    const delay = at - this.now();
    if (delay > LOCAL_HORIZON_MS) return false;
    const timer = this.timers.get(caseId);
    if (timer !== undefined) clearTimeout(timer);
    if (delay <= 0) {
      this.enqueue(caseId);
      return true;
    }
    this.timers.set(
      caseId,
      setTimeout(() => {
        this.timers.delete(caseId);
        this.enqueue(caseId);
      }, delay),
    );
    return true;
  }

  /** Alarms due and not yet finished in this process. */
  backlog(): number {
    return this.due.length + this.running;
  }

  /**
   * Null while new work may be accepted; otherwise how long a sender should wait: the time the backlog needs at the
   * measured rate (1-30 s).
   */
  admission(): { retryAfterSeconds: number; backlog: number } | null {
    const backlog = this.backlog();
    if (backlog < this.options.maxBacklog) return null;
    const seconds = this.rate > 0 ? Math.ceil(backlog / this.rate) : 5;
    return { retryAfterSeconds: Math.min(30, Math.max(1, seconds)), backlog };
  }

  private enqueue(caseId: string): void {
    if (this.pending.has(caseId)) return;
    this.pending.add(caseId);
    this.due.push(caseId);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.due.length > 0) {
      const caseId = this.due.shift()!;
      // Taken off `pending` before it runs: an alarm set again by this very run is a new one, queued behind it.
      this.pending.delete(caseId);
      this.running++;
      void this.run(caseId)
        .catch(() => {
          // The run's own failure handling (the case's backoff, the KV queue's redelivery) covers it; nothing to add.
        })
        .finally(() => {
          this.running--;
          this.count();
          this.pump();
        });
    }
  }

  private count(): void {
    const now = this.now();
    this.finishedInWindow++;
    if (now - this.windowStart >= RATE_WINDOW_MS) {
      this.rate = (this.finishedInWindow * 1000) / (now - this.windowStart);
      this.finishedInWindow = 0;
      this.windowStart = now;
    }
  }
}
