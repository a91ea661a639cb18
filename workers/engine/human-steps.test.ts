import { describe, expect, it, vi } from "vitest";
import { driveEngine, type EngineState, freshState } from "../../test/support/drive-engine.ts";
import {
  type CaseEvent,
  defineWorkflow,
  HUMAN_SOURCE,
  type HumanDecision,
  refuseDecision,
  type WorkflowDefinition,
} from "./index.ts";

const opener: CaseEvent = {
  seq: 1,
  id: "evt_open",
  source: "hubspot",
  type: "deal.created",
  receivedAt: 0,
  payload: { deal: 7 },
};
const HOUR = 3_600_000;

/** The engine driven as a shell drives it (test/support/drive-engine.ts), for this file's deal case. */
const drive = (workflow: WorkflowDefinition, events: CaseEvent[], at: number, state: EngineState) =>
  driveEngine(workflow, events, at, state, { caseKey: "deal:7", input: opener.payload });
const fresh = freshState;
const decision = (seq: number, d: HumanDecision): CaseEvent => ({
  seq,
  id: `d${seq}`,
  source: HUMAN_SOURCE,
  type: "decision",
  receivedAt: seq,
  payload: d,
});
const ops = (id: string) => ({ id, roles: ["operator"] });

describe("ask", () => {
  const sent: { message: string; key: string }[] = [];
  const email = {
    name: "email",
    send: (message: string, ctx: { idempotencyKey: string }) => {
      sent.push({ message, key: ctx.idempotencyKey });
      return { messageId: `m${sent.length}` };
    },
    reply: { source: "resend", type: "email.received" },
  };
  const workflow = defineWorkflow({ id: "docs", version: 1, minutesPerCase: 10, triggers: [] }, async ({ step }) => {
    const reply = await step.ask("id-document", email, "Please send your ID.", {
      timeout: "48h",
      remindAfter: "24h",
      reminder: "Reminder: we still need your ID.",
    });
    return step.resolve(reply ? "received" : "no-reply");
  });
  const reply: CaseEvent = {
    seq: 2,
    id: "r1",
    source: "resend",
    type: "email.received",
    receivedAt: 5,
    payload: { text: "attached" },
  };

  it("sends once, waits, sends one reminder at remindAfter, and returns the reply that comes after it", async () => {
    sent.length = 0;
    const state = fresh();
    expect(await drive(workflow, [opener], 0, state)).toMatchObject({
      kind: "waiting",
      wait: { kind: "event", stepId: "id-document:reply", deadline: 24 * HOUR },
    });
    expect(await drive(workflow, [opener], 24 * HOUR, state)).toMatchObject({
      kind: "waiting",
      wait: { stepId: "id-document:reply-after-reminder", deadline: 48 * HOUR },
    });
    const end = await drive(workflow, [opener, reply], 30 * HOUR, state);
    expect(end).toMatchObject({ kind: "resolved", outcome: { outcome: "received" } });
    expect(sent.map((s) => s.message)).toEqual(["Please send your ID.", "Reminder: we still need your ID."]);
    expect(new Set(sent.map((s) => s.key)).size).toBe(2);
    expect(state.completed.find((s) => s.id === "id-document:reply-after-reminder")?.eventSeq).toBe(2);
  });

  it("returns null when no reply comes before the timeout", async () => {
    const state = fresh();
    await drive(workflow, [opener], 0, state);
    await drive(workflow, [opener], 24 * HOUR, state);
    expect(await drive(workflow, [opener], 48 * HOUR, state)).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "no-reply" },
    });
  });
});

describe("approve", () => {
  const refund = vi.fn((_key: string) => "re_1");
  const workflow = defineWorkflow({ id: "refunds", version: 1, minutesPerCase: 10, triggers: [] }, async ({ step }) => {
    const approval = await step.approve("refund-approval", {
      title: "Refund 240 EUR",
      approvals: 2,
      requestedBy: "agent-ana",
      timeout: "24h",
    });
    if (!approval.approved) return step.resolve(`refund-${approval.outcome}`);
    await step.run("refund", ({ idempotencyKey }) => refund(idempotencyKey));
    return step.resolve("refunded");
  });

  it("needs two distinct approvers under the two-person rule, then runs the approved action", async () => {
    const state = fresh();
    const parked = await drive(workflow, [opener], 0, state);
    expect(parked).toMatchObject({
      kind: "waiting",
      wait: {
        kind: "human",
        stepId: "refund-approval",
        deadline: 24 * HOUR,
        human: { kind: "approval", approvals: 2, role: "operator", requestedBy: "agent-ana", slaDeadline: 24 * HOUR },
      },
    });
    const one = decision(2, { stepId: "refund-approval", decision: "approve", actor: ops("ops-1") });
    expect(await drive(workflow, [opener, one], 1, state)).toMatchObject({ kind: "waiting" });
    const two = decision(3, { stepId: "refund-approval", decision: "approve", actor: ops("ops-2") });
    expect(await drive(workflow, [opener, one, two], 2, state)).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "refunded" },
    });
    expect(state.completed[0]).toMatchObject({ kind: "approve", output: { approved: true, outcome: "approved" } });
    expect(refund).toHaveBeenCalledTimes(1);
  });

  it("is rejected by one rejection and times out without decisions", async () => {
    const rejected = decision(2, {
      stepId: "refund-approval",
      decision: "reject",
      actor: ops("ops-1"),
      note: "duplicate claim",
    });
    expect(await drive(workflow, [opener, rejected], 0, fresh())).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "refund-rejected" },
    });
    const state = fresh();
    await drive(workflow, [opener], 0, state);
    expect(await drive(workflow, [opener], 24 * HOUR, state)).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "refund-timed_out" },
    });
    // Its SLA (the timeout, as none is declared) passed unanswered: recorded as missed before it timed out.
    expect(state.completed.map((s) => s.id)).toEqual([
      "refund-approval:sla-breach:1",
      "refund-approval",
      "resolve:refund-timed_out",
    ]);
  });

  it("refuses a non-approver, the requester approving their own request, and a second decision by the same person", async () => {
    const state = fresh();
    await drive(workflow, [opener], 0, state);
    const wait = state.wait;
    const earlier = [{ stepId: "refund-approval", decision: "approve" as const, actor: ops("ops-1") }];
    expect(
      refuseDecision(
        wait,
        { stepId: "refund-approval", decision: "approve", actor: { id: "v-1", roles: ["viewer"] } },
        [],
      ),
    ).toMatchObject({ status: 403, code: "not_authorized" });
    expect(
      refuseDecision(
        wait,
        { stepId: "refund-approval", decision: "approve", actor: { id: "agent-ana", roles: ["operator"] } },
        [],
      ),
    ).toMatchObject({ status: 403, code: "self_approval" });
    expect(
      refuseDecision(wait, { stepId: "refund-approval", decision: "approve", actor: ops("ops-1") }, earlier),
    ).toMatchObject({ status: 409, code: "already_decided" });
    expect(
      refuseDecision(wait, { stepId: "refund-approval", decision: "resolve", actor: ops("ops-2") }, earlier),
    ).toMatchObject({ status: 422, code: "decision_not_allowed" });
    expect(
      refuseDecision(wait, { stepId: "other-step", decision: "approve", actor: ops("ops-2") }, earlier),
    ).toMatchObject({ status: 409, code: "wait_ended" });
    expect(
      refuseDecision(wait, { stepId: "refund-approval", decision: "approve", actor: ops("ops-2") }, earlier),
    ).toBeNull();
  });
});

describe("escalate", () => {
  const workflow = defineWorkflow(
    { id: "disputes", version: 1, minutesPerCase: 25, triggers: [] },
    async ({ step }) => {
      await step.run("load", () => ({ amount: 4900 }));
      return step.escalate("no-reply", {
        reason: "customer did not answer",
        proposedAction: "refund 49 EUR",
        queue: "support-leads",
        sla: "4h",
        evidence: { amount: 4900 },
      });
    },
  );

  it("parks the case with a context packet and ends it with the person's outcome as a labelled decision", async () => {
    const state = fresh();
    const parked = await drive(workflow, [opener], 10, state);
    expect(parked).toMatchObject({
      kind: "waiting",
      wait: {
        kind: "human",
        human: {
          kind: "escalation",
          queue: "support-leads",
          allowed: ["resolve"],
          slaDeadline: 10 + 4 * HOUR,
          packet: {
            reason: "customer did not answer",
            proposedAction: "refund 49 EUR",
            evidence: { amount: 4900 },
            steps: [{ id: "load", kind: "run" }],
          },
        },
      },
    });
    const resolved = decision(2, {
      stepId: "no-reply",
      decision: "resolve",
      actor: ops("ops-1"),
      outcome: "refunded-manually",
      note: "called the customer",
    });
    expect(await drive(workflow, [opener, resolved], 20, state)).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "refunded-manually", detail: { resolvedBy: "ops-1", note: "called the customer" } },
      record: { id: "no-reply", kind: "escalate", output: { decision: "resolve", actor: { id: "ops-1" } } },
    });
  });
});

describe("workflow SLA", () => {
  it("is the deadline of a hand-off that names none, and a malformed one is refused when the workflow is defined", async () => {
    const workflow = defineWorkflow(
      { id: "kyc", version: 1, minutesPerCase: 5, triggers: [], sla: "8h" },
      async ({ step }) => step.escalate("review", { reason: "document unreadable" }),
    );
    expect(await drive(workflow, [opener], 100, fresh())).toMatchObject({
      kind: "waiting",
      wait: { human: { slaDeadline: 100 + 8 * HOUR } },
    });
    expect(() =>
      defineWorkflow(
        { id: "kyc", version: 1, minutesPerCase: 5, triggers: [], sla: "soon" as "1h" },
        async ({ step }) => step.resolve("x"),
      ),
    ).toThrow();
  });
});

describe("a step whose attempts ran out", () => {
  it("runs again on a person's retry, with the same idempotency key, and can fail its way back to them", async () => {
    const keys: string[] = [];
    let healthy = false;
    const workflow = defineWorkflow(
      { id: "provision", version: 1, minutesPerCase: 5, triggers: [] },
      async ({ step }) => {
        await step.run(
          "activate",
          ({ idempotencyKey }) => {
            keys.push(idempotencyKey);
            if (!healthy) throw new Error("503");
            return "active";
          },
          { retries: 0 },
        );
        return step.resolve("done");
      },
    );
    const state = fresh();
    expect(await drive(workflow, [opener], 0, state)).toMatchObject({
      kind: "waiting",
      wait: { kind: "human", stepId: "activate" },
    });
    // Woken again without a decision: nothing runs.
    expect(await drive(workflow, [opener], 1, state)).toMatchObject({ kind: "waiting" });
    expect(keys).toHaveLength(1);
    healthy = true;
    const retry = decision(2, { stepId: "activate", decision: "retry", actor: ops("ops-1") });
    expect(await drive(workflow, [opener, retry], 2, state)).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "done" },
    });
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[0]).toMatch(/^cf-[0-9a-f]{40}$/);
  });
});

describe("sleep and decide", () => {
  it("sleeps until its deadline only, ignoring events, and records a rule's decision with its rationale", async () => {
    const workflow = defineWorkflow(
      { id: "cool-off", version: 1, minutesPerCase: 1, triggers: [] },
      async ({ step }) => {
        await step.sleep("cool-off", "1h");
        const market = await step.decide("market", () => ({ decision: "eu", rationale: "country DE is in the EU" }));
        return step.resolve(market.decision);
      },
    );
    const state = fresh();
    const noise: CaseEvent = { seq: 2, id: "n", source: "hubspot", type: "deal.updated", receivedAt: 1, payload: {} };
    expect(await drive(workflow, [opener, noise], 0, state)).toMatchObject({
      kind: "waiting",
      wait: { kind: "sleep", deadline: HOUR },
    });
    expect(await drive(workflow, [opener, noise], HOUR - 1, state)).toMatchObject({ kind: "waiting" });
    expect(await drive(workflow, [opener, noise], HOUR, state)).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "eu" },
    });
    expect(state.completed[1]).toMatchObject({
      id: "market",
      kind: "decide",
      output: { decision: "eu", rationale: "country DE is in the EU" },
    });
  });

  it("never hands a person's decision to a wait for another system's event", async () => {
    const workflow = defineWorkflow(
      { id: "any-event", version: 1, minutesPerCase: 1, triggers: [] },
      async ({ step }) => {
        await step.waitFor("anything", {});
        return step.resolve("got-one");
      },
    );
    const forged = decision(2, { stepId: "anything", decision: "approve", actor: ops("ops-1") });
    expect(await drive(workflow, [opener, forged], 0, fresh())).toMatchObject({ kind: "waiting" });
  });
});

describe("escalateWithProposal", () => {
  const workflow = defineWorkflow(
    { id: "disputes", version: 1, minutesPerCase: 25, triggers: [] },
    async ({ step }) => {
      const carried = await step.escalateWithProposal("unsure", {
        reason: "confidence 0.6",
        carryOut: "refund 49 EUR",
      });
      const refund = await step.run("refund", ({ idempotencyKey }) => ({ key: idempotencyKey, by: carried.actor.id }));
      return step.resolve("refunded", refund);
    },
  );

  it("offers the action beside resolve; a carry-out completes the step with the decision and the body goes on", async () => {
    const state = fresh();
    expect(await drive(workflow, [opener], 10, state)).toMatchObject({
      kind: "waiting",
      wait: { human: { allowed: ["carry-out", "resolve"], packet: { carryOut: "refund 49 EUR" } } },
    });
    const carry = decision(2, { stepId: "unsure", decision: "carry-out", actor: ops("ops-1"), note: "ok" });
    const end = await drive(workflow, [opener, carry], 20, state);
    expect(end).toMatchObject({ kind: "resolved", outcome: { outcome: "refunded", detail: { by: "ops-1" } } });
    expect(state.completed.map((s) => `${s.kind}:${s.id}`)).toEqual([
      "escalate:unsure",
      "run:refund",
      "resolve:resolve:refunded",
    ]);
    // The same events take the same path from an empty journal.
    expect(await drive(workflow, [opener, carry], 20, fresh())).toEqual(end);
  });

  it("ends the case on a resolve, as an escalation does", async () => {
    const state = fresh();
    await drive(workflow, [opener], 10, state);
    const resolve = decision(2, { stepId: "unsure", decision: "resolve", outcome: "denied", actor: ops("ops-1") });
    expect(await drive(workflow, [opener, resolve], 20, state)).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "denied" },
      record: { id: "unsure", kind: "escalate" },
    });
  });
});

describe("declared outcomes", () => {
  const outcomes = [
    { label: "refunded-manually", words: "Refunded by hand" },
    { label: "denied", words: "Denied" },
  ];
  const wait = {
    kind: "human" as const,
    stepId: "review",
    startedAt: 0,
    deadline: null,
    sources: [HUMAN_SOURCE],
    types: [],
    human: {
      kind: "escalation" as const,
      queue: "refunds",
      role: "operator",
      approvals: 1,
      requestedBy: null,
      allowed: ["resolve" as const],
      packet: { title: "t", reason: "r", steps: [] },
      slaDeadline: null,
    },
  };
  const resolve = (outcome: string): HumanDecision => ({
    stepId: "review",
    decision: "resolve",
    outcome,
    actor: ops("ops-1"),
  });

  it("refuses a resolve whose outcome the workflow does not declare, naming the allowed ones (422)", () => {
    expect(refuseDecision(wait, resolve("refunded-by-phone"), [], outcomes)).toEqual({
      status: 422,
      code: "outcome_not_declared",
      message: '"refunded-by-phone" is not an outcome this workflow declares; allowed: refunded-manually, denied',
    });
    expect(refuseDecision(wait, resolve("denied"), [], outcomes)).toBeNull();
    // A workflow that declares none takes any label.
    expect(refuseDecision(wait, resolve("refunded-by-phone"), [])).toBeNull();
  });
});
