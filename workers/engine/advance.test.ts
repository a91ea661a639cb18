import { describe, expect, it, vi } from "vitest";
import { advanceCase, defineWorkflow, type CaseEvent, type PendingWait, type StepRecord, type WorkflowDefinition } from "./index.ts";

let clock = 1_000;
const now = () => (clock += 10);

function twoStep(effect: () => string) {
  return defineWorkflow<{ n: number }>({ id: "two-step", version: 1, minutesPerCase: 5, triggers: [] }, async ({ input, step }) => {
    const a = await step.run("first", () => effect());
    const b = await step.run("second", () => `${a}:${input.n}`);
    return step.resolve("done", { b });
  });
}

async function runToEnd(workflow: WorkflowDefinition, input: unknown) {
  const completed: StepRecord[] = [];
  for (let i = 0; i < 10; i++) {
    const next = await advanceCase({ workflow, caseKey: "k", input, events: [], completed, pendingWait: null, now });
    if (next.kind === "failed" || next.kind === "waiting") return { completed, next };
    completed.push(next.record);
    if (next.kind === "resolved") return { completed, next };
  }
  throw new Error("did not end");
}

describe("advanceCase", () => {
  it("completes exactly one new step per call and resolves with the recorded outcome", async () => {
    const effect = vi.fn(() => "x");
    const workflow = twoStep(effect);
    const first = await advanceCase({ workflow, caseKey: "k", input: { n: 1 }, events: [], completed: [], pendingWait: null, now });
    if (first.kind !== "step") throw new Error("expected a step");
    expect(first).toMatchObject({ kind: "step", record: { id: "first", output: "x" } });

    const { completed, next } = await runToEnd(workflow, { n: 7 });
    expect(completed.map((s) => s.id)).toEqual(["first", "second", "resolve:done"]);
    expect(next).toMatchObject({ kind: "resolved", outcome: { outcome: "done", detail: { b: "x:7" } } });
  });

  it("replays stored step results instead of repeating their effects", async () => {
    const effect = vi.fn(() => "from-effect");
    const workflow = twoStep(effect);
    const stored: StepRecord[] = [{ id: "first", kind: "run", output: "stored", startedAt: 1, finishedAt: 2 }];
    const next = await advanceCase({ workflow, caseKey: "k", input: { n: 2 }, events: [], completed: stored, pendingWait: null, now });
    expect(effect).not.toHaveBeenCalled();
    expect(next).toMatchObject({ kind: "step", record: { id: "second", output: "stored:2" } });
  });

  it("reports a changed step order on replay as a non-determinism failure", async () => {
    const workflow = twoStep(() => "x");
    const stored: StepRecord[] = [{ id: "renamed", kind: "run", output: "x", startedAt: 1, finishedAt: 2 }];
    const next = await advanceCase({ workflow, caseKey: "k", input: { n: 1 }, events: [], completed: stored, pendingWait: null, now });
    expect(next).toMatchObject({ kind: "failed", error: { name: "NonDeterminismError" } });
    if (next.kind === "failed") expect(next.error.message).toContain('"renamed"');
  });

  it("fails a case whose step throws, naming the error", async () => {
    const workflow = twoStep(() => {
      throw new RangeError("CRM said no");
    });
    const { next } = await runToEnd(workflow, { n: 1 });
    expect(next).toMatchObject({ kind: "failed", error: { name: "RangeError", message: "CRM said no" } });
  });

  it("rejects a step id used twice in one run", async () => {
    const workflow = defineWorkflow({ id: "dup", version: 1, minutesPerCase: 1, triggers: [] }, async ({ step }) => {
      await step.run("same", () => 1);
      await step.run("same", () => 2);
      return step.resolve("never");
    });
    const { next } = await runToEnd(workflow, {});
    expect(next).toMatchObject({ kind: "failed", error: { name: "TypeError" } });
  });

  it("fails a body that returns without resolving", async () => {
    const workflow = defineWorkflow({ id: "no-end", version: 1, minutesPerCase: 1, triggers: [] }, async () => ({ outcome: "sneaky" }));
    const { next } = await runToEnd(workflow, {});
    expect(next).toMatchObject({ kind: "failed", error: { name: "WorkflowError" } });
  });
});

describe("defineWorkflow", () => {
  it("rejects ids that are not kebab-case and versions that are not positive integers", () => {
    const body = async () => ({ outcome: "x" });
    expect(() => defineWorkflow({ id: "Bad Id", version: 1, minutesPerCase: 1, triggers: [] }, body)).toThrow(/kebab-case/);
    expect(() => defineWorkflow({ id: "ok", version: 0, minutesPerCase: 1, triggers: [] }, body)).toThrow(/positive integer/);
  });
});

describe("waitFor", () => {
  const opener: CaseEvent = { seq: 1, id: "evt_open", source: "stripe", type: "invoice.payment_failed", receivedAt: 1, payload: { n: 1 } };
  const paid: CaseEvent = { seq: 2, id: "evt_paid", source: "stripe", type: "invoice.paid", receivedAt: 2, payload: { amount: 900 } };
  const waiting = defineWorkflow({ id: "waits", version: 1, minutesPerCase: 1, triggers: [] }, async ({ step }) => {
    const event = await step.waitFor("paid", { source: "stripe", type: "invoice.paid" }, { timeout: "1h" });
    return step.resolve(event ? "paid" : "timed-out");
  });
  const input = (events: CaseEvent[], completed: StepRecord[] = [], pendingWait: PendingWait | null = null, at = 10_000) =>
    ({ workflow: waiting, caseKey: "k", input: {}, events, completed, pendingWait, now: () => at });

  it("parks the case with a deadline when no matching event has arrived, never matching the opening event", async () => {
    const next = await advanceCase(input([{ ...opener, type: "invoice.paid" }]));
    expect(next).toEqual({ kind: "waiting", wait: { stepId: "paid", startedAt: 10_000, deadline: 10_000 + 3_600_000, sources: ["stripe"], types: ["invoice.paid"] } });
  });

  it("consumes an event that arrived before the wait began", async () => {
    const next = await advanceCase(input([opener, paid]));
    expect(next).toMatchObject({ kind: "step", record: { id: "paid", kind: "waitFor", output: { id: "evt_paid", payload: { amount: 900 } } } });
  });

  it("keeps the deadline from when the wait began, and returns null once it has passed", async () => {
    const pending: PendingWait = { stepId: "paid", startedAt: 5_000, deadline: 5_000 + 3_600_000, sources: [], types: [] };
    expect(await advanceCase(input([opener], [], pending, 5_000 + 3_599_999))).toMatchObject({ kind: "waiting", wait: { startedAt: 5_000 } });
    expect(await advanceCase(input([opener], [], pending, 5_000 + 3_600_000))).toMatchObject({ kind: "step", record: { id: "paid", output: null } });
  });

  it("never hands the same event to two waits", async () => {
    const twice = defineWorkflow({ id: "twice", version: 1, minutesPerCase: 1, triggers: [] }, async ({ step }) => {
      await step.waitFor("first", { type: "invoice.paid" });
      await step.waitFor("second", { type: "invoice.paid" });
      return step.resolve("both");
    });
    const first: StepRecord = { id: "first", kind: "waitFor", output: paid, startedAt: 1, finishedAt: 1 };
    const next = await advanceCase({ workflow: twice, caseKey: "k", input: {}, events: [opener, paid], completed: [first], pendingWait: null, now: () => 1 });
    expect(next).toMatchObject({ kind: "waiting", wait: { stepId: "second" } });
  });

  it("treats a predicate that throws on an odd payload as no match", async () => {
    const picky = defineWorkflow({ id: "picky", version: 1, minutesPerCase: 1, triggers: [] }, async ({ step }) => {
      await step.waitFor("deep", { where: (p) => p.very.deep === true });
      return step.resolve("never");
    });
    const next = await advanceCase({ workflow: picky, caseKey: "k", input: {}, events: [opener, paid], completed: [], pendingWait: null, now: () => 1 });
    expect(next.kind).toBe("waiting");
  });
});
