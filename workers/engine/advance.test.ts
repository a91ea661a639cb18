import { describe, expect, it, vi } from "vitest";
import {
  advanceCase,
  type CaseEvent,
  defineWorkflow,
  FatalError,
  type PendingWait,
  RetryAfter,
  type StepRecord,
  type WorkflowDefinition,
} from "./index.ts";

let clock = 1_000;
const now = () => (clock += 10);

function twoStep(effect: () => string) {
  return defineWorkflow<{ n: number }>(
    { id: "two-step", version: 1, minutesPerCase: 5, triggers: [] },
    async ({ input, step }) => {
      const a = await step.run("first", () => effect());
      const b = await step.run("second", () => `${a}:${input.n}`);
      return step.resolve("done", { b });
    },
  );
}

async function runToEnd(workflow: WorkflowDefinition, input: unknown) {
  const completed: StepRecord[] = [];
  for (let i = 0; i < 10; i++) {
    const next = await advanceCase({
      workflow,
      caseKey: "k",
      input: input as never,
      events: [],
      completed,
      pendingWait: null,
      now,
    });
    if (next.kind === "failed" || next.kind === "waiting" || next.kind === "retry") return { completed, next };
    completed.push(next.record);
    if (next.kind === "resolved") return { completed, next };
  }
  throw new Error("did not end");
}

describe("advanceCase", () => {
  it("completes exactly one new step per call and resolves with the recorded outcome", async () => {
    const effect = vi.fn(() => "x");
    const workflow = twoStep(effect);
    const first = await advanceCase({
      workflow,
      caseKey: "k",
      input: { n: 1 },
      events: [],
      completed: [],
      pendingWait: null,
      now,
    });
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
    const next = await advanceCase({
      workflow,
      caseKey: "k",
      input: { n: 2 },
      events: [],
      completed: stored,
      pendingWait: null,
      now,
    });
    expect(effect).not.toHaveBeenCalled();
    expect(next).toMatchObject({ kind: "step", record: { id: "second", output: "stored:2" } });
  });

  it("reports a changed step order on replay as a non-determinism failure", async () => {
    const workflow = twoStep(() => "x");
    const stored: StepRecord[] = [{ id: "renamed", kind: "run", output: "x", startedAt: 1, finishedAt: 2 }];
    const next = await advanceCase({
      workflow,
      caseKey: "k",
      input: { n: 1 },
      events: [],
      completed: stored,
      pendingWait: null,
      now,
    });
    expect(next).toMatchObject({ kind: "failed", error: { name: "NonDeterminismError" } });
    if (next.kind === "failed") expect(next.error.message).toContain('"renamed"');
  });

  it("hands a step that throws FatalError to a person at once, with the error as context", async () => {
    const workflow = twoStep(() => {
      throw new FatalError("IBAN is not valid");
    });
    const { next } = await runToEnd(workflow, { n: 1 });
    expect(next).toMatchObject({
      kind: "waiting",
      wait: {
        kind: "human",
        stepId: "first",
        human: {
          kind: "escalation",
          allowed: ["retry", "resolve"],
          packet: { error: { name: "FatalError", message: "IBAN is not valid", attempts: 1 } },
        },
      },
      retry: { stepId: "first", state: { failures: 1 } },
    });
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
    const workflow = defineWorkflow({ id: "no-end", version: 1, minutesPerCase: 1, triggers: [] }, async () => ({
      outcome: "sneaky",
    }));
    const { next } = await runToEnd(workflow, {});
    expect(next).toMatchObject({ kind: "failed", error: { name: "WorkflowError" } });
  });
});

describe("defineWorkflow", () => {
  it("rejects ids that are not kebab-case and versions that are not positive integers", () => {
    const body = async () => ({ outcome: "x" });
    expect(() => defineWorkflow({ id: "Bad Id", version: 1, minutesPerCase: 1, triggers: [] }, body)).toThrow(
      /kebab-case/,
    );
    expect(() => defineWorkflow({ id: "ok", version: 0, minutesPerCase: 1, triggers: [] }, body)).toThrow(
      /positive integer/,
    );
  });
});

describe("waitFor", () => {
  const opener: CaseEvent = {
    seq: 1,
    id: "evt_open",
    source: "stripe",
    type: "invoice.payment_failed",
    receivedAt: 1,
    payload: { n: 1 },
  };
  const paid: CaseEvent = {
    seq: 2,
    id: "evt_paid",
    source: "stripe",
    type: "invoice.paid",
    receivedAt: 2,
    payload: { amount: 900 },
  };
  const waiting = defineWorkflow({ id: "waits", version: 1, minutesPerCase: 1, triggers: [] }, async ({ step }) => {
    const event = await step.waitFor("paid", { source: "stripe", type: "invoice.paid" }, { timeout: "1h" });
    return step.resolve(event ? "paid" : "timed-out");
  });
  const input = (
    events: CaseEvent[],
    completed: StepRecord[] = [],
    pendingWait: PendingWait | null = null,
    at = 10_000,
  ) => ({ workflow: waiting, caseKey: "k", input: {}, events, completed, pendingWait, now: () => at });

  it("parks the case with a deadline when no matching event has arrived, never matching the opening event", async () => {
    const next = await advanceCase(input([{ ...opener, type: "invoice.paid" }]));
    expect(next).toEqual({
      kind: "waiting",
      wait: {
        kind: "event",
        stepId: "paid",
        startedAt: 10_000,
        deadline: 10_000 + 3_600_000,
        sources: ["stripe"],
        types: ["invoice.paid"],
      },
    });
  });

  it("consumes an event that arrived before the wait began", async () => {
    const next = await advanceCase(input([opener, paid]));
    expect(next).toMatchObject({
      kind: "step",
      record: { id: "paid", kind: "waitFor", output: { id: "evt_paid", payload: { amount: 900 } } },
    });
  });

  it("keeps the deadline from when the wait began, and returns null once it has passed", async () => {
    const pending: PendingWait = {
      kind: "event",
      stepId: "paid",
      startedAt: 5_000,
      deadline: 5_000 + 3_600_000,
      sources: [],
      types: [],
    };
    expect(await advanceCase(input([opener], [], pending, 5_000 + 3_599_999))).toMatchObject({
      kind: "waiting",
      wait: { startedAt: 5_000 },
    });
    expect(await advanceCase(input([opener], [], pending, 5_000 + 3_600_000))).toMatchObject({
      kind: "step",
      record: { id: "paid", output: null },
    });
  });

  it("never hands the same event to two waits", async () => {
    const twice = defineWorkflow({ id: "twice", version: 1, minutesPerCase: 1, triggers: [] }, async ({ step }) => {
      await step.waitFor("first", { type: "invoice.paid" });
      await step.waitFor("second", { type: "invoice.paid" });
      return step.resolve("both");
    });
    const first: StepRecord = {
      id: "first",
      kind: "waitFor",
      output: paid,
      startedAt: 1,
      finishedAt: 1,
      eventSeq: paid.seq,
    };
    const next = await advanceCase({
      workflow: twice,
      caseKey: "k",
      input: {},
      events: [opener, paid],
      completed: [first],
      pendingWait: null,
      now: () => 1,
    });
    expect(next).toMatchObject({ kind: "waiting", wait: { stepId: "second" } });
  });

  it("treats a predicate that throws on an odd payload as no match", async () => {
    const picky = defineWorkflow({ id: "picky", version: 1, minutesPerCase: 1, triggers: [] }, async ({ step }) => {
      await step.waitFor("deep", { where: (p: { very: { deep: boolean } }) => p.very.deep === true });
      return step.resolve("never");
    });
    const next = await advanceCase({
      workflow: picky,
      caseKey: "k",
      input: {},
      events: [opener, paid],
      completed: [],
      pendingWait: null,
      now: () => 1,
    });
    expect(next.kind).toBe("waiting");
  });
});

describe("retries", () => {
  const flaky = (fail: () => never) => {
    const effect = vi.fn(fail);
    const workflow = defineWorkflow({ id: "flaky", version: 1, minutesPerCase: 1, triggers: [] }, async ({ step }) => {
      await step.run("call-crm", () => effect(), { retries: 2, initialDelay: "1s", maxDelay: "3s" });
      return step.resolve("done");
    });
    return { effect, workflow };
  };
  const at = (ms: number) => () => ms;
  const base = { caseKey: "k", input: {}, events: [], completed: [], pendingWait: null, random: () => 1 };

  it("backs off exponentially, does not run again before the backoff, and escalates after the last attempt", async () => {
    const { effect, workflow } = flaky(() => {
      throw new Error("503 from CRM");
    });
    const first = await advanceCase({ ...base, workflow, now: at(10_000) });
    expect(first).toEqual({
      kind: "retry",
      stepId: "call-crm",
      retry: { failures: 1, notBefore: 11_000, lastError: { name: "Error", message: "503 from CRM" } },
    });
    if (first.kind !== "retry") throw new Error("expected a retry");

    const early = await advanceCase({ ...base, workflow, retries: { "call-crm": first.retry }, now: at(10_500) });
    expect(early).toEqual(first);
    expect(effect).toHaveBeenCalledTimes(1);

    const second = await advanceCase({ ...base, workflow, retries: { "call-crm": first.retry }, now: at(11_000) });
    expect(second).toMatchObject({ kind: "retry", retry: { failures: 2, notBefore: 13_000 } });
    if (second.kind !== "retry") throw new Error("expected a retry");
    const last = await advanceCase({ ...base, workflow, retries: { "call-crm": second.retry }, now: at(13_000) });
    expect(last).toMatchObject({
      kind: "waiting",
      wait: {
        kind: "human",
        stepId: "call-crm",
        human: { queue: "errors", packet: { reason: 'step "call-crm" failed after 3 attempts: 503 from CRM' } },
      },
      retry: { stepId: "call-crm", state: { failures: 3, escalatedAfterSeq: 0 } },
    });
    expect(effect).toHaveBeenCalledTimes(3);
  });

  it("honours RetryAfter from a rate-limited system instead of its own backoff", async () => {
    const { workflow } = flaky(() => {
      throw new RetryAfter(42_000, "429 Too Many Requests");
    });
    expect(await advanceCase({ ...base, workflow, now: at(1_000) })).toMatchObject({
      kind: "retry",
      retry: { notBefore: 43_000 },
    });
  });

  it("completes the step when a later attempt succeeds", async () => {
    let calls = 0;
    const workflow = defineWorkflow(
      { id: "recovers", version: 1, minutesPerCase: 1, triggers: [] },
      async ({ step }) => {
        const value = await step.run("call", () => {
          if (++calls === 1) throw new Error("timeout");
          return "ok";
        });
        return step.resolve(value);
      },
    );
    const first = await advanceCase({ ...base, workflow, now: at(0) });
    if (first.kind !== "retry") throw new Error("expected a retry");
    expect(
      await advanceCase({ ...base, workflow, retries: { call: first.retry }, now: at(first.retry.notBefore) }),
    ).toMatchObject({ kind: "step", record: { id: "call", output: "ok" } });
  });
});

describe("time scale", () => {
  it("divides declared durations so a demo's days pass in seconds, and leaves an unscaled case as it was", async () => {
    const waiting = defineWorkflow({ id: "scaled", version: 1, minutesPerCase: 1, triggers: [] }, async ({ step }) => {
      await step.waitFor("reply", { source: "resend" }, { timeout: "72h" });
      return step.resolve("done");
    });
    const base = {
      workflow: waiting,
      caseKey: "k",
      input: {},
      events: [],
      completed: [],
      pendingWait: null,
      now: () => 0,
    };
    expect(await advanceCase({ ...base, timeScale: 3600 })).toMatchObject({
      kind: "waiting",
      wait: { deadline: 72_000 },
    });
    expect(await advanceCase(base)).toMatchObject({ kind: "waiting", wait: { deadline: 72 * 3_600_000 } });
  });
});

describe("advanceCase in a sticky run (persistStep)", () => {
  const threeRunsThenWait = defineWorkflow<{ n: number }>(
    { id: "sticky", version: 1, minutesPerCase: 1, triggers: [] },
    async ({ input, step }) => {
      let total = input.n;
      for (let i = 0; i < 3; i++) total = await step.run(`add-${i}`, () => total + i);
      const reply = await step.waitFor("reply", { source: "test", type: "reply" });
      return step.resolve("done", { total, reply: reply?.id });
    },
  );
  const base = {
    workflow: threeRunsThenWait,
    caseKey: "k",
    input: { n: 1 },
    events: [] as CaseEvent[],
    pendingWait: null,
    now: () => 5_000,
  };

  it("hands each new step to the shell and goes on, returning only the result that ends the run", async () => {
    const persisted: StepRecord[] = [];
    const completed: StepRecord[] = [];
    const next = await advanceCase({
      ...base,
      completed,
      persistStep: (record) => {
        persisted.push(record);
        return true;
      },
    });
    expect(persisted.map((r) => [r.id, r.output])).toEqual([
      ["add-0", 1],
      ["add-1", 2],
      ["add-2", 4],
    ]);
    expect(next).toMatchObject({ kind: "waiting", wait: { stepId: "reply" } });
    // The caller's journal is not written: the shell keeps its own from what it persisted.
    expect(completed).toEqual([]);
    // A replay over what was persisted reaches the same wait, one call per step before it as without persistStep.
    expect(await advanceCase({ ...base, completed: persisted })).toEqual(next);
  });

  it("stops with the record the shell declined, as a replay would", async () => {
    let taken = 0;
    const persisted: StepRecord[] = [];
    const next = await advanceCase({
      ...base,
      completed: [],
      persistStep: (record) => {
        if (taken++ === 1) return false;
        persisted.push(record);
        return true;
      },
    });
    expect(persisted.map((r) => r.id)).toEqual(["add-0"]);
    expect(next).toMatchObject({ kind: "step", record: { id: "add-1", output: 2 } });
    expect(await advanceCase({ ...base, completed: persisted })).toEqual(next);
  });

  it("ends with the shell's storage error, even when the body catches it", async () => {
    const swallowing = defineWorkflow<{ n: number }>(
      { id: "swallowing", version: 1, minutesPerCase: 1, triggers: [] },
      async ({ step }) => {
        try {
          await step.run("first", () => 1);
        } catch {
          // A body that catches everything must not carry on past a step its shell could not keep.
        }
        await step.run("second", () => 2);
        return step.resolve("done");
      },
    );
    const calls: string[] = [];
    await expect(
      advanceCase({
        ...base,
        workflow: swallowing,
        completed: [],
        persistStep: (record) => {
          calls.push(record.id);
          throw new Error("storage went away");
        },
      }),
    ).rejects.toThrow("storage went away");
    expect(calls).toEqual(["first"]);
  });

  it("still fails a replay that meets the steps in a different order", async () => {
    const persisted: StepRecord[] = [];
    await advanceCase({ ...base, completed: [], persistStep: (r) => persisted.push(r) > 0 });
    const reordered = defineWorkflow<{ n: number }>(
      { id: "sticky", version: 1, minutesPerCase: 1, triggers: [] },
      async ({ step }) => {
        await step.run("add-1", () => 0);
        return step.resolve("done");
      },
    );
    const next = await advanceCase({ ...base, workflow: reordered, completed: persisted });
    expect(next).toMatchObject({ kind: "failed", error: { name: "NonDeterminismError" } });
  });
});
