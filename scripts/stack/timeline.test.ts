import { describe, expect, it } from "vitest";
import { StartTimeline, startedWithin } from "./timeline.ts";

/** A promise settled by the test, so no assertion depends on how fast a loaded machine runs timers. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets every settled promise's reactions run. */
const settle = () => new Promise((r) => setImmediate(r));

describe("StartTimeline", () => {
  it("records each stage's time and names the one still running", async () => {
    const timeline = new StartTimeline();
    expect(await timeline.stage("libsql", 60_000, async () => "up")).toBe("up");
    const worker = deferred<string>();
    const running = timeline.stage("worker", 60_000, () => worker.promise);
    expect(timeline.describe()).toMatch(/^libsql \d+\.\d s, worker \d+\.\d s so far$/);
    worker.resolve("worker");
    expect(await running).toBe("worker");
    expect(timeline.describe()).toMatch(/^libsql \d+\.\d s, worker \d+\.\d s$/);
    expect(timeline.stages.map((s) => s.ms !== undefined)).toEqual([true, true]);
  });

  it("rejects a stage past its limit with every stage so far, and hands what arrives late to whenLate", async () => {
    const timeline = new StartTimeline();
    await timeline.stage("libsql", 60_000, async () => "up");
    const worker = deferred<string>();
    const late: string[] = [];
    await expect(
      timeline.stage(
        "worker",
        20,
        () => worker.promise,
        (s) => late.push(s),
      ),
    ).rejects.toThrow(
      /^the stack's worker did not finish within 0\.02 s \(libsql \d+\.\d s, worker \d+\.\d s so far\)$/,
    );
    expect(late).toEqual([]);
    worker.resolve("worker service");
    await settle();
    expect(late).toEqual(["worker service"]);
    expect(timeline.describe()).toMatch(/worker \d+\.\d s \(failed\)$/);
  });

  it("startedWithin abandons a stalled start: the running stage rejects at once and no later stage begins", async () => {
    const timeline = new StartTimeline();
    const dashboard = deferred<string>();
    const stopped: string[] = [];
    const begun: string[] = [];
    const starting = (async () => {
      await timeline.stage("libsql", 60_000, async () => "libsql");
      await timeline.stage(
        "dashboard",
        60_000,
        () => dashboard.promise,
        (s) => stopped.push(s),
      );
      begun.push("after the dashboard");
      await timeline.stage("never", 60_000, async () => begun.push("never"));
    })();
    const outcome = starting.then(
      () => "started",
      (error: Error) => error.message,
    );
    await expect(startedWithin(starting, timeline, 30)).rejects.toThrow(
      /^the stack did not start within 0\.03 s: libsql \d+\.\d s, dashboard \d+\.\d s so far$/,
    );
    // The start itself ends too (so the caller's cleanup does not wait for it), with the same reason.
    expect(await outcome).toMatch(/^the stack did not start within 0\.03 s/);
    // The dashboard that comes up after that is stopped, and nothing after it began.
    dashboard.resolve("dashboard");
    await settle();
    expect(stopped).toEqual(["dashboard"]);
    expect(begun).toEqual([]);
    await expect(timeline.stage("later", 60_000, async () => "x")).rejects.toThrow(/did not start within/);
  });

  it("startedWithin passes a start that finishes in time through untouched", async () => {
    const timeline = new StartTimeline();
    const starting = timeline.stage("libsql", 60_000, async () => ({ url: "http://127.0.0.1:1" }));
    expect(await startedWithin(starting, timeline, 60_000)).toEqual({ url: "http://127.0.0.1:1" });
  });
});
