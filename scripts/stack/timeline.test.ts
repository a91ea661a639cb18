import { describe, expect, it } from "vitest";
import { StartTimeline, startedWithin } from "./timeline.ts";

const resolveAfter = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe("StartTimeline", () => {
  it("records each stage's time and names the one still running", async () => {
    const timeline = new StartTimeline();
    expect(await timeline.stage("libsql", 1000, () => resolveAfter(20, "up"))).toBe("up");
    void timeline.stage("worker", 1000, () => resolveAfter(200, "late")).catch(() => undefined);
    expect(timeline.describe()).toMatch(/^libsql 0\.\d s, worker 0\.0 s so far$/);
    expect(timeline.stages[0]!.ms).toBeGreaterThanOrEqual(15);
  });

  it("rejects a stage past its limit with every stage so far, and hands what arrives late to whenLate", async () => {
    const timeline = new StartTimeline();
    await timeline.stage("libsql", 1000, () => resolveAfter(1, "up"));
    const late: string[] = [];
    await expect(
      timeline.stage(
        "worker",
        30,
        () => resolveAfter(80, "worker service"),
        (s) => late.push(s),
      ),
    ).rejects.toThrow(/the stack's worker did not finish within 0\.03 s \(libsql 0\.\d s, worker 0\.0 s so far\)/);
    expect(late).toEqual([]);
    await resolveAfter(100, null);
    expect(late).toEqual(["worker service"]);
    expect(timeline.describe()).toMatch(/worker 0\.\d s \(failed\)$/);
  });

  it("startedWithin abandons a stalled start: the running stage rejects at once and no later stage begins", async () => {
    const timeline = new StartTimeline();
    const stopped: string[] = [];
    const begun: string[] = [];
    const starting = (async () => {
      await timeline.stage("libsql", 10_000, () => resolveAfter(1, "libsql"));
      await timeline.stage(
        "dashboard",
        10_000,
        () => resolveAfter(150, "dashboard"),
        (s) => stopped.push(s),
      );
      begun.push("after the dashboard");
      await timeline.stage("never", 10_000, async () => begun.push("never"));
    })();
    const outcome = starting.then(
      () => "started",
      (error: Error) => error.message,
    );
    await expect(startedWithin(starting, timeline, 50)).rejects.toThrow(
      /^the stack did not start within 0\.05 s: libsql 0\.\d s, dashboard 0\.0 s so far$/,
    );
    // The start itself ends too (so the caller's cleanup does not wait for it), with the same reason.
    expect(await outcome).toMatch(/^the stack did not start within 0\.05 s/);
    await resolveAfter(200, null);
    expect(stopped).toEqual(["dashboard"]);
    expect(begun).toEqual([]);
  });

  it("startedWithin passes a start that finishes in time through untouched", async () => {
    const timeline = new StartTimeline();
    const starting = timeline.stage("libsql", 1000, () => resolveAfter(5, { url: "http://127.0.0.1:1" }));
    expect(await startedWithin(starting, timeline, 1000)).toEqual({ url: "http://127.0.0.1:1" });
  });
});
