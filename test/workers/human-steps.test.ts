/**
 * Conversations, approvals, escalations and effects inside workerd, against the real case object and the local
 * Stripe and email simulators. Timers run through the object's alarm: the test moves the case clock forward
 * and fires the alarm the object scheduled, instead of waiting 48 hours.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { caseId, type WorkflowDefinition } from "../../workers/engine/index.ts";
import { caseHandle, refundRequests, refundsFor, sim } from "./case-handle.ts";
import { testClock } from "./clock.ts";
import { api } from "./helpers.ts";
import { crashAfterCall, type RefundRequest, refundOnce, refundReview } from "./workflows.ts";

const HOUR = 3_600_000;

/** A refund-review case with its request, reply and decision shortcuts. */
function newCase(workflow: WorkflowDefinition) {
  const c = caseHandle(workflow);
  const request: RefundRequest = { charge: c.charge, amount: 4900, email: c.customer };
  return {
    ...c,
    request,
    open: () => c.open(request),
    reply: (text: string) =>
      c.send("email.received", { type: "email.received", data: { from: c.customer, text } }, "resend"),
  };
}

describe("run → ask → approve → resolve", () => {
  it("completes when the customer replies after the reminder and two operators approve", async () => {
    const c = newCase(refundReview);
    expect(await c.open()).toEqual({ status: "accepted" });

    let view = await c.settle((v) => v.wait?.stepId === "confirm:reply", "waiting for the reply");
    expect(view.header.status).toBe("waiting");
    expect(view.wait).toMatchObject({ kind: "event", sources: ["resend"], types: ["email.received"] });
    // The object's alarm is set for the reminder, 24 h out on its clock.
    expect(view.wait!.deadline! - view.wait!.startedAt).toBe(24 * HOUR);
    expect(await c.alarm()).toBe(view.wait!.deadline);

    testClock.advance(24 * HOUR);
    view = await c.settle((v) => v.wait?.stepId === "confirm:reply-after-reminder", "reminder sent");
    expect(view.steps.map((s) => s.id)).toEqual(["load-claim", "confirm:send", "confirm:reply", "confirm:reminder"]);
    expect(view.steps[2]).toMatchObject({ kind: "ask", output: null });
    // The question and the reminder are recorded as sent, with the provider's answer beside them.
    const question = "Please reply YES to confirm the refund to your card.";
    expect([view.steps[1]!.output, view.steps[3]!.output]).toEqual([
      expect.objectContaining({ channel: "email", text: question, sent: expect.anything() }),
      expect.objectContaining({ channel: "email", text: question }),
    ]);

    expect(await c.reply("YES, please refund")).toEqual({ status: "accepted" });
    view = await c.settle((v) => v.wait?.stepId === "refund-approval", "waiting for approval");
    expect(view.header.status).toBe("waiting");
    expect(view.wait).toMatchObject({
      kind: "human",
      human: { kind: "approval", approvals: 2, role: "operator", requestedBy: "agent-refunds" },
    });

    expect(
      await c.decide({ stepId: "refund-approval", decision: "approve", actor: { id: "ops-ana", roles: ["operator"] } }),
    ).toEqual({ status: "accepted" });
    view = await c.settle((v) => v.timeline.some((e) => e.action === "human.decision"), "first approval recorded");
    await runDurableObjectAlarm(env.CASES.getByName(caseId(refundReview.id, c.caseKey))).catch(() => false);
    expect((await c.view()).wait?.stepId).toBe("refund-approval"); // one approver is not enough under the two-person rule
    expect(
      await c.decide({
        stepId: "refund-approval",
        decision: "approve",
        actor: { id: "ops-ben", roles: ["operator", "viewer"] },
      }),
    ).toEqual({ status: "accepted" });

    view = await c.settle((v) => v.header.status === "resolved", "resolved");
    expect(view.header).toMatchObject({ status: "resolved", outcome: "refunded" });
    expect(view.decisions.map((d) => d.actor.id)).toEqual(["ops-ana", "ops-ben"]);
    expect(await refundsFor(c.request.charge)).toHaveLength(1);
    const sent = (
      await sim<{ requests: { path: string; idempotencyKey: string | null }[] }>("/resend/_sim/requests")
    ).requests.filter((r) => r.path.endsWith("/emails"));
    const keys = view.attempts.filter((a) => a.stepId.startsWith("confirm:")).map((a) => a.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(sent.filter((r) => keys.includes(r.idempotencyKey!))).toHaveLength(2);
    const actions = view.timeline.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(["approval.requested", "human.decision", "wait.matched", "case.resolved"]),
    );
    expect(view.timeline.filter((e) => e.action === "human.decision").map((e) => e.actor)).toEqual([
      { kind: "human", id: "ops-ana" },
      { kind: "human", id: "ops-ben" },
    ]);
  });

  it("escalates with a context packet when no reply comes within 48 h, and a person's resolution closes it", async () => {
    const c = newCase(refundReview);
    await c.open();
    await c.settle((v) => v.wait?.stepId === "confirm:reply", "waiting for the reply");
    testClock.advance(24 * HOUR);
    await c.settle((v) => v.wait?.stepId === "confirm:reply-after-reminder", "reminder sent");
    testClock.advance(24 * HOUR);
    let view = await c.settle((v) => v.header.status === "escalated", "escalated");

    expect(view.wait).toMatchObject({
      kind: "human",
      stepId: "no-reply",
      human: {
        kind: "escalation",
        queue: "support-leads",
        allowed: ["resolve"],
        packet: {
          reason: "customer did not confirm within 48h",
          proposedAction: "refund 4900 cents",
          evidence: { charge: c.request.charge, amount: 4900 },
        },
      },
    });
    expect(view.wait!.human!.slaDeadline! - view.wait!.startedAt).toBe(4 * HOUR);
    expect(view.wait!.human!.packet.steps.map((s) => s.id)).toEqual([
      "load-claim",
      "confirm:send",
      "confirm:reply",
      "confirm:reminder",
      "confirm:reply-after-reminder",
    ]);
    expect(await c.alarm()).toBe(view.wait!.human!.slaDeadline); // nothing else to wake for until a person decides

    await c.decide({
      stepId: "no-reply",
      decision: "resolve",
      outcome: "refunded-by-phone",
      note: "reached the customer by phone",
      actor: { id: "lead-cy", roles: ["operator"] },
    });
    view = await c.settle((v) => v.header.status === "resolved", "resolved");
    expect(view.header).toMatchObject({ status: "resolved", outcome: "refunded-by-phone" });
    const resolved = view.timeline.find((e) => e.action === "case.resolved");
    expect(resolved).toMatchObject({
      actor: { kind: "human", id: "lead-cy" },
      detail: { outcome: "refunded-by-phone", humanTouch: true },
    });
    expect(await refundsFor(c.request.charge)).toHaveLength(0);
  });
});

describe("human decisions through the case API", () => {
  const path = (c: { caseKey: string }) => `/cases/${refundReview.id}/${encodeURIComponent(c.caseKey)}/decisions`;
  const post = (c: { caseKey: string }, body: unknown, headers: Record<string, string> = {}) =>
    api(path(c), {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  async function atApproval() {
    const c = newCase(refundReview);
    await c.open();
    await c.settle((v) => v.wait?.stepId === "confirm:reply", "waiting for the reply");
    await c.reply("YES");
    await c.settle((v) => v.wait?.stepId === "refund-approval", "waiting for approval");
    return c;
  }

  it("refuses a non-approver, self-approval, a second approval by the same person, a malformed body and an ended wait, leaving the case as it was and auditing each", async () => {
    const c = await atApproval();
    const before = await c.view();
    const approve = (id: string, roles = ["operator"]) => ({
      step: "refund-approval",
      decision: "approve",
      actor: { id, roles },
    });

    expect(await post(c, approve("viewer-vi", ["viewer"]))).toMatchObject({
      status: 403,
      body: { error: { code: "not_authorized" } },
    });
    expect(await post(c, approve("agent-refunds"))).toMatchObject({
      status: 403,
      body: { error: { code: "self_approval" } },
    });
    expect(await post(c, approve("ops-ana"), { "idempotency-key": "approve-ana-1" })).toMatchObject({
      status: 202,
      body: { accepted: true, duplicate: false },
    });
    expect(await post(c, approve("ops-ana"), { "idempotency-key": "approve-ana-1" })).toMatchObject({
      status: 200,
      body: { accepted: true, duplicate: true },
    });
    expect(await post(c, approve("ops-ana"))).toMatchObject({
      status: 409,
      body: { error: { code: "already_decided" } },
    });
    expect(
      await post(c, {
        step: "refund-approval",
        decision: "resolve",
        actor: { id: "ops-ben", roles: ["operator"] },
        outcome: "x",
      }),
    ).toMatchObject({ status: 422, body: { error: { code: "decision_not_allowed" } } });
    expect(
      await post(c, { step: "refund-approval", decision: "maybe", actor: { id: "ops-ben", roles: ["operator"] } }),
    ).toMatchObject({ status: 400, body: { error: { code: "invalid_decision" } } });
    expect(await post(c, "{not json")).toMatchObject({ status: 400, body: { error: { code: "invalid_json" } } });
    expect(await post(c, approve("ops-ben"), { "content-type": "text/plain" })).toMatchObject({
      status: 415,
      body: { error: { code: "unsupported_media_type" } },
    });
    expect(await post(c, { ...approve("ops-ben"), step: "confirm:reply" })).toMatchObject({
      status: 409,
      body: { error: { code: "wait_ended" } },
    });
    expect(
      await api(`/cases/${refundReview.id}/${encodeURIComponent("customer:nobody@example.com")}/decisions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(approve("ops-ben")),
      }),
    ).toMatchObject({ status: 404, body: { error: { code: "case_not_found" } } });
    expect(await post(c, approve("ops-ben"))).toMatchObject({ status: 202 });
    expect(
      await api(
        path(c),
        { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(approve("ops-cy")) },
        "",
      ),
    ).toMatchObject({ status: 401 });

    const after = await c.view();
    expect(after.header.status).toBe(before.header.status);
    expect(after.decisions.map((d) => d.actor.id)).toEqual(["ops-ana", "ops-ben"]);
    const refused = after.timeline.filter((e) => e.action === "human.decision_refused").map((e) => e.detail?.code);
    expect(refused).toEqual([
      "not_authorized",
      "self_approval",
      "already_decided",
      "decision_not_allowed",
      "invalid_decision",
      "invalid_json",
      "unsupported_media_type",
      "wait_ended",
    ]);
  });
});

describe("effects through the outbox", () => {
  it("does not refund twice when the step throws after Stripe took the refund: the retry reuses the idempotency key", async () => {
    const c = newCase(refundOnce);
    crashAfterCall.mode = "throw";
    await c.open();
    const view = await c.settle((v) => v.header.status === "resolved", "resolved");
    expect(view.header.outcome).toBe("refunded");
    const key = view.attempts[0]!.idempotencyKey;
    expect(view.attempts.map((a) => [a.attempt, a.idempotencyKey, a.outcome])).toEqual([
      [1, key, "failed"],
      [2, key, "succeeded"],
    ]);
    expect((await refundRequests(key)).map((r) => r.replayed)).toEqual([false, true]);
    expect(await refundsFor(c.request.charge)).toHaveLength(1);
  });

  it("does not refund twice when the object fails between the call and its record: the attempt resumes under its key", async () => {
    const c = newCase(refundOnce);
    crashAfterCall.mode = "unrecordable";
    await c.open();
    // workerd runs the failed alarm again on its own; the case resumes the attempt left open.
    const view = await c.settle((v) => v.header.status === "resolved", "resolved after the failed alarm");
    expect(view.header.outcome).toBe("refunded");
    const key = view.attempts[0]!.idempotencyKey;
    expect(view.attempts).toMatchObject([{ attempt: 1, idempotencyKey: key, outcome: "succeeded" }]);
    expect(view.timeline.filter((e) => e.action === "step.attempt_resumed")).toMatchObject([
      { detail: { attempt: 1, idempotencyKey: key } },
    ]);
    expect(view.timeline.some((e) => e.action === "step.attempt_failed")).toBe(false);
    expect((await refundRequests(key)).map((r) => r.replayed)).toEqual([false, true]);
    expect(await refundsFor(c.request.charge)).toHaveLength(1);
  });
});
