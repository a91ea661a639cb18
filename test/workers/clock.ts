/**
 * The test worker's clock: real time plus an offset the tests move forward, so a 48-hour wait ends when a test
 * says so and the alarm (not real waiting) drives it. Shared by the tests and the case objects (same isolate).
 */
export const testClock = {
  offsetMs: 0,
  now(): number {
    return Date.now() + this.offsetMs;
  },
  /** Moves every case's clock forward; returns the new time. */
  advance(ms: number): number {
    this.offsetMs += ms;
    return this.now();
  },
};
