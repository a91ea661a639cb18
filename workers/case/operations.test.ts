/**
 * Case operations through the case runtime (the same shell every platform runs): a failed case retried resumes where
 * it stopped, a step that failed over to a person gets new attempts, a reassigned task keeps its queue across the
 * engine's later runs, a cancellation ends the case as resolved/cancelled; each is audited with who and why, a repeat
 * is a duplicate, and what does not apply is refused with its code.
 */
import { describe, expect, it } from "vitest";
import { defineWorkflow, FatalError } from "../engine/index.ts";
import { MemoryCaseStore } from "./memory-store.ts";
import { type CaseOperation, CaseRuntime } from "./runtime.ts";

/** What the fixture's outside world does next (the test flips it between runs). */
const world: { outsideFails: boolean; chargeFails: boolean; whileReading?: () => Promise<unknown> } = {
  outsideFails: true,
  chargeFails: true,
};

const fixture = defineWorkflow<{ n: number }>(
  { id: "ops-unit", version: 1, minutesPerCase: 5, triggers: [] },
  async ({ input, step }) => {
    const n = await step.run("read", async () => {
      await world.whileReading?.();
      return input.n;
    });
    // A workflow's own code between steps that throws fails the case (as a bug fixed by a deploy would).
    if (world.outsideFails) throw new Error("lookup outside a step failed");
    await step.run(
      "charge",
      () => {
        if (world.chargeFails) throw new FatalError("card processor down");
        return n;
      },
      { retries: 0 },
    );
    return step.escalate("review", { reason: "check the charge", queue: "refunds" });
  },
);

function harness() {
  let now = 1_000_000;
  const alarm = { at: null as number | null };
  const store = new MemoryCaseStore(async () => {});
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
    { workflows: [fixture], now: () => now, metrics: () => null },
  );
  /** Fires the timer while it is due now (the clock moves a second per burst). */
  const settle = async () => {
    for (let i = 0; i < 20 && alarm.at !== null && alarm.at <= now; i++) {
      alarm.at = null;
      now += 1000;
      await runtime.alarm();
    }
  };
  const op = (kind: "retry" | "cancel" | "reassign", id: string, extra: Partial<CaseOperation> = {}) =>
    runtime.operate({
      kind,
      id,
      actor: { id: "ops-ana", roles: ["operator"] },
      reason: `${kind} because the test says so`,
      via: "test",
      ...extra,
    } as CaseOperation);
  return { runtime, store, settle, op };
}

describe("case operations", () => {
  it("retries a failed case and a failed-over step, reassigns the task and cancels the case, audited", async () => {
    world.outsideFails = true;
    world.chargeFails = true;
    const { runtime, store, settle, op } = harness();
    await runtime.ingest({
      id: "e1",
      source: "test",
      type: "opened",
      receivedAt: 1_000_000,
      caseKey: "k1",
      workflow: { id: "ops-unit", version: 1 },
      opens: true,
      payloadJson: JSON.stringify({ n: 7 }),
    });
    await settle();
    expect(store.header()?.status).toBe("failed");
    expect(await op("reassign", "r0", { queue: "refund-leads" } as never)).toMatchObject({
      status: "refused",
      refusal: { status: 409, code: "no_task" },
    });

    world.outsideFails = false;
    expect(await op("retry", "t1")).toEqual({ status: "accepted", caseStatus: "running", wake: true });
    expect(await op("retry", "t1")).toMatchObject({ status: "duplicate" });
    await settle();
    // It resumed where it stopped: "read" ran once, "charge" failed over to a person in the errors queue.
    let head = store.header()!;
    expect(head.status).toBe("escalated");
    expect(head.wait).toMatchObject({ stepId: "charge", human: { queue: "errors", allowed: ["retry", "resolve"] } });
    expect(store.attempts().filter((a) => a.stepId === "read")).toHaveLength(1);

    world.chargeFails = false;
    expect(await op("retry", "t2")).toMatchObject({ status: "accepted" });
    await settle();
    head = store.header()!;
    expect(head.wait).toMatchObject({ stepId: "review", human: { queue: "refunds" } });
    expect(store.steps().find((s) => s.id === "charge")?.output).toBe(7);

    expect(await op("reassign", "q1", { queue: "refund-leads" } as never)).toMatchObject({ status: "accepted" });
    expect(await op("reassign", "q2", { queue: "refund-leads" } as never)).toMatchObject({ status: "duplicate" });
    // The engine rebuilds the task from the declaration on its next run: the operator's queue stays.
    await runtime.alarm();
    expect(store.header()?.wait).toMatchObject({ stepId: "review", human: { queue: "refund-leads" } });
    expect(await op("retry", "t3")).toMatchObject({ status: "refused", refusal: { code: "nothing_to_retry" } });

    expect(await op("cancel", "c1")).toEqual({ status: "accepted", caseStatus: "resolved", wake: true });
    expect(store.header()).toMatchObject({ status: "resolved", outcome: "cancelled", wait: null });
    expect(await op("cancel", "c2")).toMatchObject({ status: "duplicate" });
    await settle();
    expect(store.header()?.outcome).toBe("cancelled");
    expect(await op("retry", "t4")).toMatchObject({ refusal: { status: 409, code: "nothing_to_retry" } });

    const audit = (await runtime.audit())!;
    expect(audit.verification.valid).toBe(true);
    const operations = audit.entries.filter((e) =>
      ["case.retried", "case.cancelled", "task.reassigned"].includes(e.action),
    );
    expect(operations.map((e) => [e.action, e.actor.id, e.detail?.reason])).toEqual([
      ["case.retried", "ops-ana", "retry because the test says so"],
      ["case.retried", "ops-ana", "retry because the test says so"],
      ["task.reassigned", "ops-ana", "reassign because the test says so"],
      ["case.cancelled", "ops-ana", "cancel because the test says so"],
    ]);
    expect(operations[2]?.detail).toMatchObject({ from: "refunds", to: "refund-leads" });
  });

  it("drops a step's result when the case was cancelled while the step was out", async () => {
    world.outsideFails = false;
    world.chargeFails = false;
    const { runtime, store, settle, op } = harness();
    // An operator cancels while the step's function is out (a Durable Object takes requests meanwhile).
    world.whileReading = () => op("cancel", "c1");
    try {
      await runtime.ingest({
        id: "e2",
        source: "test",
        type: "opened",
        receivedAt: 1_000_000,
        caseKey: "k2",
        workflow: { id: "ops-unit", version: 1 },
        opens: true,
        payloadJson: JSON.stringify({ n: 1 }),
      });
      await settle();
    } finally {
      delete world.whileReading;
    }
    expect(store.header()).toMatchObject({ status: "resolved", outcome: "cancelled", wait: null });
    expect(store.steps()).toEqual([]);
  });
});
