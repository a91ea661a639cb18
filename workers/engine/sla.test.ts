import { describe, expect, it } from "vitest";
import { driveEngine, type EngineState, freshState } from "../../test/support/drive-engine.ts";
import { parseDuration } from "./duration.ts";
import {
  type Advance,
  advanceCase,
  type CaseEvent,
  defineWorkflow,
  FatalError,
  HUMAN_SOURCE,
  type HumanDecision,
  type SlaNotice,
  type SlaNotifier,
  type WorkflowDefinition,
} from "./index.ts";
import { slaPlan } from "./sla.ts";

const opener: CaseEvent = {
  seq: 1,
  id: "evt_open",
  source: "zendesk",
  type: "ticket.created",
  receivedAt: 0,
  payload: { ticket: 7 },
};
const MIN = 60_000;
const HOUR = 60 * MIN;

type State = EngineState;
const fresh = freshState;
const decision = (seq: number, d: HumanDecision): CaseEvent => ({
  seq,
  id: `d${seq}`,
  source: HUMAN_SOURCE,
  type: "decision",
  receivedAt: seq,
  payload: d,
});
const lead = (id: string) => ({ id, roles: ["operator"] });

/** The engine driven as the case runtime drives it (test/support/drive-engine.ts), for this file's ticket case. */
const drive = (
  workflow: WorkflowDefinition,
  events: CaseEvent[],
  at: number,
  state: State,
  config: Record<string, unknown> = {},
): Promise<Advance> =>
  driveEngine(workflow, events, at, state, { caseKey: "customer:ana@example.com", input: opener.payload, config });

/** A notifier that records what it was asked to send, failing the first `failures` calls. */
function recorder(failures = 0, error: () => Error = () => new Error("chat is down")) {
  const calls: { notice: SlaNotice; key: string; attempt: number }[] = [];
  const notifier: SlaNotifier = {
    name: "test-chat",
    send: (notice, ctx) => {
      calls.push({ notice, key: ctx.idempotencyKey, attempt: ctx.attempt });
      if (calls.length <= failures) throw error();
      return { posted: calls.length };
    },
  };
  return { notifier, calls };
}

const ids = (state: State) => state.completed.map((s) => s.id);

describe("an escalation's SLA", () => {
  const escalation = (notify: SlaNotifier) =>
    defineWorkflow({ id: "refunds", version: 1, minutesPerCase: 25, triggers: [] }, async ({ step }) => {
      await step.run("load", () => "charge");
      return step.escalate("fraud", {
        reason: "possible fraud",
        queue: "refunds",
        sla: "8h",
        then: { queue: "refund-leads", sla: "4h", role: "lead" },
        slaNotify: notify,
      });
    });

  it("is recorded once when it passes, moves the task to the next queue and notifies once with the step's key", async () => {
    const { notifier, calls } = recorder();
    const workflow = escalation(notifier);
    const state = fresh();
    expect(await drive(workflow, [opener], 0, state)).toMatchObject({
      kind: "waiting",
      wait: { stepId: "fraud", human: { queue: "refunds", slaDeadline: 8 * HOUR } },
    });
    await drive(workflow, [opener], 7 * HOUR, state);
    expect(ids(state)).toEqual(["load"]);

    const late = 8 * HOUR + 5 * MIN;
    const parked = await drive(workflow, [opener], late, state);
    expect(parked).toMatchObject({
      kind: "waiting",
      wait: {
        stepId: "fraud",
        startedAt: 0,
        human: { kind: "escalation", queue: "refund-leads", role: "lead", slaDeadline: late + 4 * HOUR },
      },
    });
    expect(ids(state)).toEqual(["load", "fraud:sla-breach:1", "fraud:sla-notice:1"]);
    expect(state.completed[1]).toMatchObject({
      kind: "sla",
      output: {
        hop: 1,
        queue: "refunds",
        role: "operator",
        deadline: 8 * HOUR,
        lateMs: 5 * MIN,
        movedTo: { queue: "refund-leads", role: "lead", slaDeadline: late + 4 * HOUR },
      },
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.notice).toMatchObject({
      workflowId: "refunds",
      caseKey: "customer:ana@example.com",
      stepId: "fraud",
      kind: "escalation",
      title: "possible fraud",
      breach: { hop: 1, queue: "refunds" },
    });
    expect(calls[0]!.key).toMatch(/^cf-[0-9a-f]{40}$/);
    // The task's packet tells the person about the work, not about the SLA's own records.
    expect((parked as Extract<Advance, { kind: "waiting" }>).wait.human!.packet.steps.map((s) => s.id)).toEqual([
      "load",
    ]);

    // Woken again (a redelivery, a restart): nothing is recorded or sent twice.
    await drive(workflow, [opener], late + HOUR, state);
    expect(ids(state)).toHaveLength(3);
    expect(calls).toHaveLength(1);
  });

  it("breaches each queue once, then stays overdue in the last one until a person resolves it", async () => {
    const { notifier, calls } = recorder();
    const workflow = escalation(notifier);
    const state = fresh();
    await drive(workflow, [opener], 0, state);
    await drive(workflow, [opener], 8 * HOUR, state);
    const last = await drive(workflow, [opener], 12 * HOUR, state);
    expect(last).toMatchObject({
      kind: "waiting",
      wait: { human: { queue: "refund-leads", slaDeadline: 12 * HOUR, slaBreachedAt: 12 * HOUR } },
    });
    expect(state.completed.at(-2)).toMatchObject({
      id: "fraud:sla-breach:2",
      output: { hop: 2, queue: "refund-leads", movedTo: null },
    });
    await drive(workflow, [opener], 30 * HOUR, state);
    expect(ids(state).filter((id) => id.includes(":sla-breach:"))).toHaveLength(2);
    expect(calls.map((c) => c.notice.breach.hop)).toEqual([1, 2]);
    expect(new Set(calls.map((c) => c.key)).size).toBe(2);

    // A decision after the breaches still decides: by a holder of the role the task needs now.
    const resolved = decision(2, {
      stepId: "fraud",
      decision: "resolve",
      outcome: "refunded-by-lead",
      actor: lead("lead-cy"),
    });
    expect(await drive(workflow, [opener, resolved], 31 * HOUR, state)).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "refunded-by-lead" },
    });
    expect(ids(state)).toEqual([
      "load",
      "fraud:sla-breach:1",
      "fraud:sla-notice:1",
      "fraud:sla-breach:2",
      "fraud:sla-notice:2",
      "fraud",
    ]);

    // Replayed from its journal (after a restart), the case takes the same path and repeats nothing.
    const replayed = await advanceCase({
      workflow,
      caseKey: "customer:ana@example.com",
      input: opener.payload,
      events: [opener, resolved],
      completed: state.completed.slice(0, -1),
      pendingWait: null,
      now: () => 40 * HOUR,
    });
    expect(replayed).toMatchObject({ kind: "resolved", outcome: { outcome: "refunded-by-lead" } });
    expect(calls).toHaveLength(2);
  });

  it("records no breach when a person decides before the deadline", async () => {
    const { notifier, calls } = recorder();
    const workflow = escalation(notifier);
    const state = fresh();
    await drive(workflow, [opener], 0, state);
    const resolved = decision(2, { stepId: "fraud", decision: "resolve", outcome: "refunded", actor: lead("ops-ana") });
    expect(await drive(workflow, [opener, resolved], 2 * HOUR, state)).toMatchObject({ kind: "resolved" });
    // Even when the case runs only after the deadline: the decision was there first.
    const late = fresh();
    await drive(workflow, [opener], 0, late);
    expect(await drive(workflow, [opener, resolved], 9 * HOUR, late)).toMatchObject({ kind: "resolved" });
    expect([...ids(state), ...ids(late)].filter((id) => id.includes(":sla-"))).toEqual([]);
    expect(calls).toEqual([]);
  });

  it("keeps detecting a body that changed its steps around the recorded breach", async () => {
    const { notifier } = recorder();
    const state = fresh();
    await drive(escalation(notifier), [opener], 0, state);
    await drive(escalation(notifier), [opener], 9 * HOUR, state);
    const changed = defineWorkflow(
      { id: "refunds", version: 1, minutesPerCase: 25, triggers: [] },
      async ({ step }) => {
        await step.run("load", () => "charge");
        await step.run("extra-check", () => true);
        return step.escalate("fraud", { reason: "possible fraud", queue: "refunds", sla: "8h" });
      },
    );
    const next = await advanceCase({
      workflow: changed,
      caseKey: "customer:ana@example.com",
      input: opener.payload,
      events: [opener],
      completed: state.completed,
      pendingWait: state.wait,
      now: () => 10 * HOUR,
    });
    expect(next).toMatchObject({
      kind: "failed",
      error: { name: "NonDeterminismError", message: expect.stringContaining('"fraud:sla-breach:1"') },
    });
  });
});

describe("a failing SLA notifier", () => {
  it("is retried with the engine's backoff while the task waits, and given up after its last attempt", async () => {
    const { notifier, calls } = recorder(99);
    const workflow = defineWorkflow({ id: "refunds", version: 1, minutesPerCase: 25, triggers: [] }, async ({ step }) =>
      step.escalate("fraud", {
        reason: "possible fraud",
        queue: "refunds",
        sla: "1h",
        then: { queue: "refund-leads" },
        slaNotify: notifier,
      }),
    );
    const state = fresh();
    await drive(workflow, [opener], 0, state);
    let at = HOUR;
    let next = await drive(workflow, [opener], at, state);
    // The breach and the move are recorded; the notice waits for its retry, and the task for a person, meanwhile.
    expect(ids(state)).toEqual(["fraud:sla-breach:1"]);
    expect(next).toMatchObject({
      kind: "waiting",
      wait: { stepId: "fraud", human: { queue: "refund-leads" } },
      retry: { stepId: "fraud:sla-notice:1", state: { failures: 1, notBefore: at + 1000 } },
      wakeAt: at + 1000,
    });
    // Woken before the backoff ends (by an event): no attempt.
    next = await drive(workflow, [opener], at + 500, state);
    expect(calls).toHaveLength(1);
    expect(next).toMatchObject({ kind: "waiting", wakeAt: at + 1000 });
    for (const delay of [1000, 2000, 4000]) {
      at += delay;
      next = await drive(workflow, [opener], at, state);
    }
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
    expect(new Set(calls.map((c) => c.key)).size).toBe(1);
    expect(state.completed.at(-1)).toMatchObject({
      id: "fraud:sla-notice:1",
      kind: "sla",
      output: {
        notifier: "test-chat",
        hop: 1,
        sent: null,
        error: { name: "Error", message: "chat is down", attempts: 4 },
      },
    });
    expect(next).toMatchObject({ kind: "waiting", wait: { human: { queue: "refund-leads" } } });
    expect(next).not.toHaveProperty("wakeAt");
    // Before refund-leads' own deadline (it inherits the hour), nothing more is sent.
    await drive(workflow, [opener], at + 30 * MIN, state);
    expect(calls).toHaveLength(4);
  });

  it("gives up at once on a FatalError (a wrong channel), recorded, and the person still decides", async () => {
    const { notifier, calls } = recorder(1, () => new FatalError("channel_not_found"));
    const workflow = defineWorkflow({ id: "refunds", version: 1, minutesPerCase: 25, triggers: [] }, async ({ step }) =>
      step.escalate("fraud", { reason: "possible fraud", sla: "1h", slaNotify: notifier }),
    );
    const state = fresh();
    await drive(workflow, [opener], 0, state);
    await drive(workflow, [opener], HOUR, state);
    expect(calls).toHaveLength(1);
    expect(state.completed.at(-1)).toMatchObject({
      id: "fraud:sla-notice:1",
      output: { sent: null, error: { name: "FatalError", attempts: 1 } },
    });
    const resolved = decision(2, { stepId: "fraud", decision: "resolve", outcome: "handled", actor: lead("ops-ana") });
    expect(await drive(workflow, [opener, resolved], 2 * HOUR, state)).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "handled" },
    });
  });
});

describe("an approval's SLA", () => {
  const { notifier, calls } = recorder();
  const workflow = defineWorkflow(
    {
      id: "refunds",
      version: 1,
      minutesPerCase: 25,
      triggers: [],
      slaNotify: (config) => ({ ...notifier, name: String(config.CHANNEL) }),
    },
    async ({ step }) => {
      const approval = await step.approve("refund", {
        title: "Refund 240 EUR",
        approvals: 2,
        timeout: "24h",
        sla: "2h",
        queue: "approvals",
        then: [{ queue: "refund-leads" }, { queue: "finance", sla: "1h" }],
      });
      return step.resolve(approval.approved ? "refunded" : `refund-${approval.outcome}`);
    },
  );

  it("moves an approval still short of its second approver along the declared queues, told by the workflow's notifier", async () => {
    const state = fresh();
    const config = { CHANNEL: "#refund-leads" };
    await drive(workflow, [opener], 0, state, config);
    const first = decision(2, { stepId: "refund", decision: "approve", actor: lead("ops-ana") });
    await drive(workflow, [opener, first], HOUR, state, config);
    expect(ids(state)).toEqual([]);
    await drive(workflow, [opener, first], 2 * HOUR, state, config);
    expect(state.wait).toMatchObject({
      kind: "human",
      deadline: 24 * HOUR,
      human: { kind: "approval", queue: "refund-leads", slaDeadline: 4 * HOUR },
    });
    await drive(workflow, [opener, first], 4 * HOUR, state, config);
    expect(state.wait).toMatchObject({ human: { queue: "finance", slaDeadline: 5 * HOUR } });
    expect(calls.map((c) => [c.notice.kind, c.notice.breach.queue, c.notice.breach.movedTo?.queue])).toEqual([
      ["approval", "approvals", "refund-leads"],
      ["approval", "refund-leads", "finance"],
    ]);
    expect(
      state.completed.filter((s) => s.id.includes("notice")).map((s) => (s.output as { notifier: string }).notifier),
    ).toEqual(["#refund-leads", "#refund-leads"]);
    const second = decision(3, { stepId: "refund", decision: "approve", actor: lead("fin-bo") });
    expect(await drive(workflow, [opener, first, second], 6 * HOUR, state, config)).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "refunded" },
    });
  });
});

describe("a failed step's hand-off", () => {
  it("has the workflow's SLA: missed once per hand-off, and the step's journal replays after a person's retry", async () => {
    const { notifier, calls } = recorder();
    let failing = true;
    const workflow = defineWorkflow(
      { id: "provision", version: 1, minutesPerCase: 5, triggers: [], sla: "1h", slaNotify: () => notifier },
      async ({ step }) => {
        await step.run("activate", () => {
          if (failing) throw new FatalError("activation API refused the plan");
          return "active";
        });
        return step.resolve("done");
      },
    );
    const state = fresh();
    expect(await drive(workflow, [opener], 0, state)).toMatchObject({
      kind: "waiting",
      wait: { stepId: "activate", human: { queue: "errors", slaDeadline: HOUR } },
    });
    await drive(workflow, [opener], 2 * HOUR, state);
    expect(ids(state)).toEqual(["activate:sla-breach:1", "activate:sla-notice:1"]);
    expect(state.wait).toMatchObject({ human: { queue: "errors", slaBreachedAt: 2 * HOUR } });
    expect(calls[0]!.notice).toMatchObject({
      stepId: "activate",
      kind: "escalation",
      breach: { queue: "errors", lateMs: HOUR, movedTo: null },
    });

    failing = false;
    const retry = decision(2, { stepId: "activate", decision: "retry", actor: lead("ops-ana") });
    expect(await drive(workflow, [opener, retry], 3 * HOUR, state)).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "done" },
    });
    expect(ids(state)).toEqual(["activate:sla-breach:1", "activate:sla-notice:1", "activate", "resolve:done"]);
  });
});

describe("slaPlan", () => {
  it("flattens one queue, a list, and queues that name their own next one, in the order the task moves", () => {
    const plan = slaPlan(
      [
        { queue: "leads", then: { queue: "heads", sla: "1h" } },
        { queue: "finance", role: "finance" },
      ],
      4 * HOUR,
      parseDuration,
      null,
    );
    expect(plan.hops).toEqual([
      { queue: "leads", slaMs: 4 * HOUR },
      { queue: "heads", slaMs: HOUR },
      { queue: "finance", role: "finance", slaMs: 4 * HOUR },
    ]);
    expect(slaPlan(undefined, null, parseDuration, null).hops).toEqual([]);
  });
});
