import { describe, expect, it } from "vitest";
import { AlarmRunner } from "./alarm-runner.ts";

/** A run that finishes when the test says so, recording which cases ran and how many at once. */
function harness(options: { concurrency: number; maxBacklog: number }) {
  const started: string[] = [];
  const release = new Map<string, () => void>();
  let atOnce = 0;
  let most = 0;
  const runner = new AlarmRunner(
    (caseId) =>
      new Promise<void>((resolve) => {
        started.push(caseId);
        most = Math.max(most, ++atOnce);
        release.set(caseId, () => {
          atOnce--;
          resolve();
        });
      }),
    options,
  );
  const finish = async (caseId: string) => {
    release.get(caseId)!();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { runner, started, finish, most: () => most };
}

describe("AlarmRunner", () => {
  it("runs due alarms in arrival order, never more than its concurrency at once, a queued case once", async () => {
    const h = harness({ concurrency: 2, maxBacklog: 100 });
    for (const id of ["a", "b", "c", "d", "c"]) h.runner.schedule(id, 0);
    expect(h.started).toEqual(["a", "b"]);
    expect(h.runner.backlog()).toBe(4);
    // Set again while it runs: a new alarm, queued behind the others (the run itself may have set it).
    h.runner.schedule("a", 0);
    await h.finish("a");
    await h.finish("b");
    await h.finish("c");
    await h.finish("d");
    await h.finish("a");
    expect(h.started).toEqual(["a", "b", "c", "d", "a"]);
    expect(h.most()).toBe(2);
    expect(h.runner.backlog()).toBe(0);
  });

  it("leaves timers beyond its horizon to the durable queue, and runs near ones when they fall due", async () => {
    const h = harness({ concurrency: 4, maxBacklog: 100 });
    h.runner.schedule("far", Date.now() + 3 * 86_400_000);
    h.runner.schedule("near", Date.now() + 20);
    expect(h.started).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(h.started).toEqual(["near"]);
  });

  it("refuses new work once the backlog reaches its limit, with a Retry-After from the measured rate", async () => {
    const h = harness({ concurrency: 1, maxBacklog: 3 });
    h.runner.schedule("a", 0);
    h.runner.schedule("b", 0);
    expect(h.runner.admission()).toBeNull();
    h.runner.schedule("c", 0);
    expect(h.runner.admission()).toEqual({ retryAfterSeconds: 5, backlog: 3 });
    await h.finish("a");
    expect(h.runner.admission()).toBeNull();
  });
});
