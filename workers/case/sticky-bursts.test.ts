/**
 * Sticky bursts through the case runtime (the shell every platform runs): within a burst the body runs on, each
 * completed step persisted as it comes, instead of being replayed from the journal's start for every step. What
 * storage receives must be exactly what the replay path writes, batch for batch (journal, attempts, audit chain,
 * metric outbox, header), and a crash in the middle of a sticky burst must leave a journal the next alarm replays
 * from, repeating at most the step that was in flight.
 */
import { describe, expect, it } from "vitest";
import { defineWorkflow, type EventEnvelope, RetryAfter, verifyChain } from "../engine/index.ts";
import { MemoryCaseStore, type RecordChange } from "./memory-store.ts";
import { CaseRuntime } from "./runtime.ts";

/** What the fixture's outside world does; each test sets it up again. */
const world = {
  /** Times the body was entered (a replay or a sticky run). */
  bodyRuns: 0,
  /** Calls of each step's function, by step id. */
  calls: new Map<string, number>(),
  /** RetryAfter throws left for the "flaky" step. */
  flakyFailures: 0,
  /** Runs inside step "count-10"'s function (an event arriving while a step is out). */
  duringCount10: null as (() => Promise<unknown>) | null,
};

const called = (id: string) => world.calls.set(id, (world.calls.get(id) ?? 0) + 1);

const STEPS_BEFORE_WAIT = 30;

const fixture = defineWorkflow<{ n: number }>(
  { id: "sticky-unit", version: 1, minutesPerCase: 4, triggers: [] },
  async ({ input, step }) => {
    world.bodyRuns++;
    let total = input.n;
    for (let i = 0; i < STEPS_BEFORE_WAIT; i++) {
      const id = `count-${i}`;
      total = await step.run(id, async () => {
        called(id);
        if (i === 10) await world.duringCount10?.();
        return total + i;
      });
    }
    const size = await step.decide("size", () => ({ decision: total > 100 ? "big" : "small", rationale: "sum" }));
    // Ingested while "count-10" was out: matched at once.
    const early = await step.waitFor("early", { source: "test", type: "early" }, { timeout: "1h" });
    await step.run("flaky", () => {
      called("flaky");
      if (world.flakyFailures-- > 0) throw new RetryAfter(5_000);
      return "ok";
    });
    const late = await step.waitFor("late", { source: "test", type: "late" }, { timeout: "1h" });
    await step.sleep("pause", "1m");
    for (let i = 0; i < 10; i++) await step.run(`after-${i}`, () => called(`after-${i}`) && i);
    return step.resolve("counted", { total, size: size.decision, early: early?.id, late: late?.id });
  },
);

function event(id: string, type: string, payload: unknown = {}): EventEnvelope {
  return {
    id,
    source: "test",
    type,
    receivedAt: 1_000_000,
    caseKey: "k1",
    workflow: { id: "sticky-unit", version: 1 },
    opens: type === "opened",
    payloadJson: JSON.stringify(payload),
  };
}

/**
 * A case over a memory store whose storage is a record map: every batch it takes is logged, and `failAt` makes the
 * n-th batch that writes a step record fail (storage refused it, or the process died before it landed).
 */
function harness(options: { replayEachStep: boolean; failAt?: number; records?: Map<string, RecordChange> }) {
  const clock = { now: 1_000_000 };
  const alarm = { at: null as number | null };
  const records = options.records ?? new Map<string, RecordChange>();
  const batches: string[] = [];
  /** The metric batches the case shipped (the flush takes them all, so no flush retry puts jitter in the clock). */
  const delivered: string[] = [];
  let stepBatches = 0;
  let alarms = 0;
  const store = new MemoryCaseStore(async (changes) => {
    if (changes.some((c) => c.key[0] === "step") && ++stepBatches === options.failAt)
      throw new Error("storage went away");
    batches.push(JSON.stringify(changes));
    for (const change of changes) records.set(JSON.stringify(change.key), change);
  });
  store.load([...records.values()].flatMap((r) => (r.json === null ? [] : [{ key: r.key, json: r.json }])));
  const runtime = new CaseRuntime(
    store,
    {
      get: async () => alarm.at,
      set: async (at) => {
        alarm.at = at;
      },
      delete: async () => {
        alarm.at = null;
      },
    },
    {
      workflows: [fixture],
      now: () => clock.now,
      metrics: () => ({ deliver: async (batch) => void delivered.push(JSON.stringify(batch)) }),
      replayEachStep: options.replayEachStep,
    },
  );
  /** Fires the alarm until none is set or `until` says stop; the clock moves a second per burst, or to the alarm. */
  const drive = async (until: () => boolean = () => false) => {
    for (let i = 0; i < 50 && alarm.at !== null && !until(); i++) {
      clock.now = Math.max(clock.now + 1000, alarm.at);
      alarm.at = null;
      alarms++;
      await runtime.alarm();
    }
  };
  return { runtime, store, records, batches, delivered, drive, alarms: () => alarms };
}

/** The whole life of the fixture's case: opened, an early event while a step is out, a late event, a sleep. */
async function live(h: ReturnType<typeof harness>) {
  world.duringCount10 = () => h.runtime.ingest(event("e-early", "early"));
  await h.runtime.ingest(event("e-open", "opened", { n: 7 }));
  await h.drive(() => h.store.header()?.wait?.stepId === "late");
  world.duringCount10 = null;
  await h.runtime.ingest(event("e-late", "late"));
  await h.drive();
}

function reset() {
  world.bodyRuns = 0;
  world.calls = new Map();
  world.flakyFailures = 2;
  world.duringCount10 = null;
}

describe("sticky bursts", () => {
  it("write exactly the records the replay path writes, batch for batch, running the body far fewer times", async () => {
    reset();
    const replayed = harness({ replayEachStep: true });
    await live(replayed);
    const replayRuns = world.bodyRuns;

    reset();
    const sticky = harness({ replayEachStep: false });
    await live(sticky);

    expect(sticky.store.header()).toMatchObject({ status: "resolved", outcome: "counted" });
    expect(sticky.batches).toEqual(replayed.batches);
    // A step's result is staged and rides with the next commit (the next attempt's record, or the burst's end): one
    // commit per attempt, plus each ingest and each alarm's end and metric marks; unstaged it was 103 batches here.
    const bound = sticky.store.attempts().length + sticky.store.events().length + 2 * sticky.alarms();
    expect(sticky.batches.length).toBeLessThanOrEqual(bound);
    expect(sticky.batches.length).toBeLessThan(sticky.store.steps().length + sticky.store.attempts().length);
    expect([...sticky.records.entries()]).toEqual([...replayed.records.entries()]);
    expect(sticky.delivered).toEqual(replayed.delivered);
    expect(sticky.delivered.length).toBeGreaterThan(0);
    expect(verifyChain(sticky.store.auditEntries())).toMatchObject({ valid: true });
    // Replayed: once per step and result (45 steps, two retries, three parks); sticky: once per alarm and interruption.
    expect(replayRuns).toBeGreaterThan(STEPS_BEFORE_WAIT + 15);
    expect(world.bodyRuns).toBeLessThan(10);
    // Each function ran once per attempt on both paths.
    expect(world.calls.get("flaky")).toBe(3);
    expect([...world.calls.values()].filter((n) => n !== 1)).toEqual([3]);
  });

  it("after a crash in the middle of a sticky burst, replays from the persisted journal and repeats only the step in flight", async () => {
    reset();
    const clean = harness({ replayEachStep: false });
    await live(clean);

    reset();
    // The 15th step's record never lands (staged, it rides with "count-15"'s attempt record, which storage refuses):
    // the process dies with "count-14"'s function done, its record lost, and "count-15" not begun.
    const crashed = harness({ replayEachStep: false, failAt: 15 });
    await crashed.runtime.ingest(event("e-open", "opened", { n: 7 }));
    await crashed.runtime.alarm();
    expect(crashed.store.steps().map((s) => s.id)).toHaveLength(14);
    expect(crashed.store.steps().at(-1)?.id).toBe("count-13");
    expect(world.calls.get("count-14")).toBe(1);

    // A fresh process loads the case from storage; its next alarm replays the 14 steps and resumes "count-14".
    const restarted = harness({ replayEachStep: false, records: crashed.records });
    await restarted.runtime.ingest(event("e-early", "early"));
    await restarted.runtime.alarm();
    await restarted.drive(() => restarted.store.header()?.wait?.stepId === "late");
    await restarted.runtime.ingest(event("e-late", "late"));
    await restarted.drive();

    const journal = (h: ReturnType<typeof harness>) => h.store.steps().map(({ id, output }) => ({ id, output }));
    expect(journal(restarted)).toEqual(journal(clean));
    expect(restarted.store.header()).toMatchObject({ status: "resolved", outcome: "counted" });
    expect([...world.calls.entries()].filter(([, n]) => n !== 1)).toEqual([
      ["count-14", 2],
      ["flaky", 3],
    ]);
    const audit = restarted.store.auditEntries();
    expect(verifyChain(audit)).toMatchObject({ valid: true });
    expect(audit.filter((a) => a.action === "step.attempt_resumed").map((a) => a.stepId)).toEqual(["count-14"]);
    expect(restarted.store.attempts().filter((a) => a.stepId === "count-14")).toHaveLength(1);
  });
});
