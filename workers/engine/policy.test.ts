import { describe, expect, it } from "vitest";
import {
  advanceCase,
  defineWorkflow,
  type PolicyDeclaration,
  type PolicyInForce,
  type RetryState,
  type StepRecord,
  type WorkflowDefinition,
} from "./index.ts";

let clock = 1_000;
const now = () => (clock += 10);

interface Limits {
  capMinor: number;
}

/** A hand-written schema: the engine takes any `parse` (a zod schema in the workflows). */
const LIMITS: PolicyDeclaration<Limits> = {
  name: "refund-limits",
  title: "Refund limits",
  description: "The most one refund may be",
  schema: {
    parse(value) {
      const cap = (value as { capMinor?: unknown } | null)?.capMinor;
      if (typeof cap !== "number" || !Number.isInteger(cap) || cap <= 0)
        throw new Error("capMinor: a positive integer");
      return { capMinor: cap };
    },
  },
  defaults: { capMinor: 10_000 },
};

/** Reads the limits, waits for a person's go (an event), then decides under the limits it read first. */
const refunds = defineWorkflow<{ amount: number }>(
  { id: "refunds", version: 1, minutesPerCase: 5, triggers: [], policies: [LIMITS] },
  async ({ input, step }) => {
    const limits = await step.policy(LIMITS);
    await step.waitFor("go", { source: "test", type: "go" });
    const verdict = await step.decide("within-cap", () => ({
      decision: input.amount <= limits.value.capMinor ? "refund" : "deny",
      rationale: `cap ${limits.value.capMinor} (${limits.name}@${limits.version})`,
    }));
    return step.resolve(verdict.decision, { policy: limits.version });
  },
);

/** A store the test changes between steps, counting its reads. */
function policyStore() {
  const versions: PolicyInForce[] = [];
  let reads = 0;
  return {
    source: {
      inForce: async (_workflowId: string, _name: string) => {
        reads++;
        return versions.at(-1) ?? null;
      },
    },
    change: (value: unknown) => versions.push({ version: versions.length + 1, value }),
    reads: () => reads,
  };
}

const GO = { seq: 2, id: "go-1", source: "test", type: "go", receivedAt: 1, payload: {} };
const OPENER = { seq: 1, id: "open-1", source: "test", type: "open", receivedAt: 1, payload: {} };

async function advance(
  workflow: WorkflowDefinition,
  completed: StepRecord[],
  options: { amount: number; go: boolean; store: ReturnType<typeof policyStore> | null },
) {
  return advanceCase({
    workflow,
    caseKey: "k",
    input: { amount: options.amount } as never,
    events: options.go ? [OPENER, GO] : [OPENER],
    completed,
    pendingWait: null,
    now,
    ...(options.store ? { policies: options.store.source } : {}),
  });
}

/** Runs until the case waits or ends, keeping every completed step in `completed`. */
async function runUntilStill(
  completed: StepRecord[],
  options: { amount: number; go: boolean; store: ReturnType<typeof policyStore> | null },
) {
  for (let i = 0; i < 10; i++) {
    const next = await advance(refunds, completed, options);
    if (next.kind !== "step" && next.kind !== "resolved") return next;
    completed.push(next.record);
    if (next.kind === "resolved") return next;
  }
  throw new Error("did not stop");
}

describe("step.policy", () => {
  it("reads the declared defaults as version 0 when the policy was never changed, and audits the version", async () => {
    const next = await advance(refunds, [], { amount: 5_000, go: false, store: policyStore() });
    expect(next).toMatchObject({
      kind: "step",
      record: {
        id: "policy:refund-limits",
        output: { name: "refund-limits", version: 0, value: { capMinor: 10_000 } },
        audit: { entries: [{ action: "policy.read", detail: { policy: "refund-limits@0" } }] },
      },
    });
    // Without a store at all, the same.
    const bare = await advance(refunds, [], { amount: 5_000, go: false, store: null });
    expect(bare).toMatchObject({ kind: "step", record: { output: { version: 0 } } });
  });

  it("keeps the version a case read when the policy changes between two of its steps; a new case reads the new one", async () => {
    const store = policyStore();
    store.change({ capMinor: 10_000 });
    const inFlight: StepRecord[] = [];
    expect(await runUntilStill(inFlight, { amount: 8_000, go: false, store })).toMatchObject({ kind: "waiting" });
    expect(inFlight.map((s) => s.id)).toEqual(["policy:refund-limits"]);

    store.change({ capMinor: 5_000 });
    const readsBefore = store.reads();
    const ended = await runUntilStill(inFlight, { amount: 8_000, go: true, store });
    // The case in flight decides under version 1 (cap 100.00) and never read the store again.
    expect(ended).toMatchObject({ kind: "resolved", outcome: { outcome: "refund", detail: { policy: 1 } } });
    expect(inFlight.find((s) => s.id === "within-cap")?.output).toMatchObject({
      rationale: "cap 10000 (refund-limits@1)",
    });
    expect(store.reads()).toBe(readsBefore);

    const fresh: StepRecord[] = [];
    const denied = await runUntilStill(fresh, { amount: 8_000, go: true, store });
    expect(denied).toMatchObject({ kind: "resolved", outcome: { outcome: "deny", detail: { policy: 2 } } });
    expect(fresh[0]?.audit?.entries?.[0]?.detail).toMatchObject({ policy: "refund-limits@2" });
  });

  it("replays the recorded version and value, whatever the store says now", async () => {
    const recorded: StepRecord = {
      id: "policy:refund-limits",
      kind: "run",
      output: { name: "refund-limits", version: 4, value: { capMinor: 20_000 } },
      startedAt: 1,
      finishedAt: 2,
    };
    const store = policyStore();
    store.change({ capMinor: 100 });
    const completed = [recorded];
    const ended = await runUntilStill(completed, { amount: 15_000, go: true, store });
    expect(ended).toMatchObject({ kind: "resolved", outcome: { outcome: "refund", detail: { policy: 4 } } });
    expect(store.reads()).toBe(0);
  });

  it("runs a case begun before its version read the policy under the defaults, without a record, so its replay matches", async () => {
    // Journal of a case that began when the workflow had the cap as a constant: its first step was the wait.
    const before: StepRecord[] = [{ id: "go", kind: "waitFor", output: GO, startedAt: 1, finishedAt: 2, eventSeq: 2 }];
    const store = policyStore();
    store.change({ capMinor: 100 });
    const ended = await runUntilStill(before, { amount: 8_000, go: true, store });
    expect(ended).toMatchObject({ kind: "resolved", outcome: { outcome: "refund", detail: { policy: 0 } } });
    expect(before.map((s) => s.id)).toEqual(["go", "within-cap", "resolve:refund"]);
    expect(store.reads()).toBe(0);
  });

  it("hands the step to a person instead of deciding under a stored value its declaration refuses", async () => {
    const store = policyStore();
    store.change({ capMinor: "a lot" });
    const next = await advance(refunds, [], { amount: 1, go: false, store });
    expect(next.kind).toBe("waiting");
    if (next.kind !== "waiting") return;
    expect(next.wait.kind).toBe("human");
    expect(JSON.stringify(next.wait)).toContain("refund-limits@1 does not match its declaration");
  });

  it("waits for a store it cannot read, backing off for many minutes, before handing the step to a person", async () => {
    const down = { inForce: async () => Promise.reject(new Error("the policy store is unreachable")) };
    const retries: Record<string, RetryState> = {};
    const delays: number[] = [];
    for (;;) {
      const at = clock;
      const next = await advanceCase({
        workflow: refunds,
        caseKey: "k",
        input: { amount: 1 } as never,
        events: [OPENER],
        completed: [],
        pendingWait: null,
        retries,
        now: () => at,
        // The backoff's jitter at its shortest (each delay scaled by 50 %), so the total is exact.
        random: () => 0,
        policies: down,
      });
      if (next.kind !== "retry") {
        // Out of attempts: now a person is asked, with the store's error.
        expect(next.kind).toBe("waiting");
        expect(JSON.stringify(next)).toContain("the policy store is unreachable");
        break;
      }
      expect(next.stepId).toBe("policy:refund-limits");
      retries[next.stepId] = next.retry;
      delays.push(next.retry.notBefore - at);
      clock = next.retry.notBefore;
    }
    // Fifteen retries backing off from 2 s to five minutes: an outage of the database the versions live in (the
    // metrics database) delays a routine decision by 21.75 minutes at the shortest jitter (43.5 at the longest) before a
    // person is asked: (2 + 4 + … + 256 s + 7 × 300 s) × 50 %.
    expect(delays).toHaveLength(15);
    expect(delays.reduce((a, b) => a + b, 0)).toBe(1_305_000);
  });

  it("refuses a policy the workflow does not declare", async () => {
    const undeclared = defineWorkflow<{ amount: number }>(
      { id: "undeclared", version: 1, minutesPerCase: 5, triggers: [] },
      async ({ step }) => {
        await step.policy(LIMITS);
        return step.resolve("done");
      },
    );
    const next = await advance(undeclared, [], { amount: 1, go: false, store: policyStore() });
    expect(JSON.stringify(next)).toContain('does not declare the policy \\"refund-limits\\"');
  });
});
