/**
 * The stack's start, stage by stage: each stage bounded by a limit of its own, a start that stalls named by the stage
 * it stalled in, and a start its caller gives up on ended at once (what it started so far stopped, and a service that
 * comes up after that stopped too). A test's setup races the start against its hook's timeout and reports
 * `describe()`, so a slow CI run says "worker 92.0 s so far" instead of vitest's bare "Hook timed out".
 */
export interface Stage {
  name: string;
  began: number;
  /** How long it took; undefined while it runs, or if it failed. */
  ms?: number;
  failed?: boolean;
}

export class StartTimeline {
  readonly stages: Stage[] = [];
  private abandoned: Error | undefined;
  private abandonRunning: ((error: Error) => void) | undefined;

  /**
   * Runs `work` as the stage `name`; rejects if it takes longer than `limitMs` or the start is abandoned meanwhile.
   * `whenLate` receives what `work` returns if it arrives after that (a service to stop, so none outlives its start).
   */
  async stage<T>(name: string, limitMs: number, work: () => Promise<T>, whenLate?: (late: T) => unknown): Promise<T> {
    if (this.abandoned) throw this.abandoned;
    const stage: Stage = { name, began: Date.now() };
    this.stages.push(stage);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cut = new Promise<never>((_, reject) => {
      this.abandonRunning = reject;
      timer = setTimeout(
        () => reject(new Error(`the stack's ${name} did not finish within ${limitMs / 1000} s (${this.describe()})`)),
        limitMs,
      );
    });
    const working = work();
    try {
      const result = await Promise.race([working, cut]);
      stage.ms = Date.now() - stage.began;
      return result;
    } catch (error) {
      stage.failed = true;
      if (whenLate) working.then(whenLate, () => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
      this.abandonRunning = undefined;
    }
  }

  /** Ends the start: the running stage rejects with `reason` now, and no further stage begins. */
  abandon(reason: string): void {
    this.abandoned = new Error(reason);
    this.abandonRunning?.(this.abandoned);
  }

  /** "libsql 1.9 s, first admin 0.2 s, simulators 1.1 s, worker 92.0 s so far" */
  describe(now = Date.now()): string {
    if (this.stages.length === 0) return "no stage begun";
    return this.stages
      .map((s) => {
        const seconds = ((s.ms ?? now - s.began) / 1000).toFixed(1);
        return `${s.name} ${seconds} s${s.ms !== undefined ? "" : s.failed ? " (failed)" : " so far"}`;
      })
      .join(", ");
  }
}

/**
 * `starting`, or (once `limitMs` passes) an error naming the stage it stalled in, the start abandoned so that what it
 * started stops. `limitMs` is the caller's own deadline, shorter than its test hook's timeout so the message reaches
 * the report.
 */
export async function startedWithin<T>(starting: Promise<T>, timeline: StartTimeline, limitMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = `the stack did not start within ${limitMs / 1000} s: ${timeline.describe()}`;
      timeline.abandon(reason);
      reject(new Error(reason));
    }, limitMs);
  });
  try {
    return await Promise.race([starting, stalled]);
  } finally {
    clearTimeout(timer);
  }
}
