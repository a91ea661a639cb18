/**
 * SLA timers inside workerd, against the real case object, the Slack and email simulators and the real libSQL test
 * database: the test clock moves past a person's deadline and the object's own alarm records the breach (once), sends
 * the declared notice (once, under its step's key), moves the task to the next queue, and the KPI module counts it.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterAll, describe, expect, inject, it } from "vitest";
import { openDatabase } from "../../db/client.ts";
import { kpisOf, tallyFromRollups } from "../../db/kpi/index.ts";
import type { SentEmail } from "../../simulators/email.ts";
import type { PostedMessage } from "../../simulators/slack.ts";
import { caseId } from "../../workers/engine/index.ts";
import type { CaseView } from "../../workers/platform/cloudflare/case-object.ts";
import { eventually } from "../support/wait.ts";
import { caseHandle } from "./case-handle.ts";
import { testClock } from "./clock.ts";
import { api } from "./helpers.ts";
import { slaNoticeFaults, slaReview } from "./workflows.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const db = openDatabase({ url: inject("libsqlUrl") });
afterAll(() => db.$client.close());

const simGet = async <T>(path: string): Promise<T> =>
  (await fetch(`${inject("simulatorsUrl")}${path}`)).json() as Promise<T>;
/** Requests a simulator logged under an idempotency key (the SLA notice step's). */
const requestsWith = async (system: "slack" | "resend", key: string) =>
  (
    await simGet<{ requests: { path: string; idempotencyKey: string | null }[] }>(`/${system}/_sim/requests`)
  ).requests.filter((r) => r.idempotencyKey === key);
const keyOf = (view: CaseView, stepId: string) =>
  view.attempts.find((a) => a.stepId === stepId)?.idempotencyKey ?? `no attempt of ${stepId}`;
const actions = (view: CaseView, action: string) => view.timeline.filter((e) => e.action === action);

/** The case's alarm, fired a few more times: what a restart or a stray wake-up would do. */
async function fireAgain(caseKey: string, times = 3) {
  const stub = env.CASES.getByName(caseId(slaReview.id, caseKey));
  for (let i = 0; i < times; i++) await runDurableObjectAlarm(stub).catch(() => false);
}

describe("SLA of an escalation", () => {
  it("is audited once when it passes, notifies the leads' Slack channel once, moves the task to the next queue, and a late decision still resolves it", async () => {
    const c = caseHandle(slaReview);
    await c.open({ task: "escalate" });
    let view = await c.settle((v) => v.header.status === "escalated", "escalated");
    const deadline = view.wait!.startedAt + 4 * HOUR;
    expect(view.wait!.human).toMatchObject({ queue: "reviews", slaDeadline: deadline });
    // The object wakes at the SLA deadline (nothing else is due while a person has the case).
    expect(await c.alarm()).toBe(deadline);

    testClock.advance(4 * HOUR + MIN);
    view = await c.settle((v) => actions(v, "sla.notified").length > 0, "breach notified");
    await fireAgain(c.caseKey);
    view = await c.view();
    expect(actions(view, "sla.breached")).toEqual([
      expect.objectContaining({
        stepId: "review",
        detail: expect.objectContaining({
          queue: "reviews",
          hop: 1,
          deadline,
          role: "operator",
          movedTo: "review-leads",
        }),
      }),
    ]);
    const lateMs = actions(view, "sla.breached")[0]!.detail!.lateMs as number;
    expect(lateMs).toBeGreaterThanOrEqual(MIN);
    expect(actions(view, "task.requeued")).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ from: "reviews", queue: "review-leads" }) }),
    ]);
    expect(actions(view, "sla.notified")).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ notifier: "slack", queue: "reviews" }) }),
    ]);
    // The case still waits for a person, now in the next queue with that queue's deadline; the alarm watches it.
    expect(view.header.status).toBe("escalated");
    expect(view.wait!.human).toMatchObject({ queue: "review-leads", slaDeadline: deadline + lateMs + 2 * HOUR });
    expect(await c.alarm()).toBe(deadline + lateMs + 2 * HOUR);

    const key = keyOf(view, "review:sla-notice:1");
    expect(await requestsWith("slack", key)).toHaveLength(1);
    const { messages } = await simGet<{ messages: PostedMessage[] }>("/slack/_sim/messages");
    const posted = messages.filter((m) => JSON.stringify(m.blocks).includes(c.caseKey));
    expect(posted).toHaveLength(1);
    expect(posted[0]!.text).toBe("SLA missed: the refund needs a person's review");
    expect(JSON.stringify(posted[0]!.blocks)).toContain("Moved to queue review-leads");

    // A decision after the breach decides as any other.
    const decided = await api(`/cases/${slaReview.id}/${encodeURIComponent(c.caseKey)}/decisions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        step: "review",
        decision: "resolve",
        outcome: "reviewed-late",
        actor: { id: "lead-cy", roles: ["operator"] },
      }),
    });
    expect(decided.status).toBe(202);
    view = await c.settle((v) => v.header.status === "resolved", "resolved");
    expect(view.header.outcome).toBe("reviewed-late");
    expect(view.steps.map((s) => s.id)).toEqual(["load", "review:sla-breach:1", "review:sla-notice:1", "review"]);
    expect(await c.alarm()).toBeNull();
  });

  it("produces no breach when a person decides before the deadline", async () => {
    const c = caseHandle(slaReview);
    await c.open({ task: "escalate" });
    await c.settle((v) => v.header.status === "escalated", "escalated");
    testClock.advance(HOUR);
    expect(
      await c.decide({
        stepId: "review",
        decision: "resolve",
        outcome: "reviewed",
        actor: { id: "ops-ana", roles: ["operator"] },
      }),
    ).toEqual({ status: "accepted" });
    await c.settle((v) => v.header.status === "resolved", "resolved");
    testClock.advance(10 * HOUR);
    await fireAgain(c.caseKey);
    const view = await c.view();
    expect(view.timeline.filter((e) => e.action.startsWith("sla.") || e.action === "task.requeued")).toEqual([]);
    expect(view.steps.map((s) => s.id)).toEqual(["load", "review"]);
    expect(await c.alarm()).toBeNull();
  });

  it("retries a failing notifier with backoff while the task waits in its next queue, and sends it once when it recovers", async () => {
    const c = caseHandle(slaReview);
    await c.open({ task: "escalate" });
    await c.settle((v) => v.header.status === "escalated", "escalated");
    slaNoticeFaults.remaining = 2;
    testClock.advance(4 * HOUR + MIN);
    let view = await c.settle((v) => actions(v, "step.attempt_failed").length === 1, "first notice attempt failed");
    // Meanwhile the task waits in its next queue, where a person could decide it.
    expect(view.header.status).toBe("escalated");
    expect(view.wait).toMatchObject({ stepId: "review", human: { queue: "review-leads" } });
    const failed = actions(view, "step.attempt_failed")[0]!;
    expect(failed).toMatchObject({
      stepId: "review:sla-notice:1",
      detail: { failures: 1, error: { message: "slack unreachable" } },
    });
    // The object comes back for the retry, not at the next queue's deadline hours away.
    expect(await c.alarm()).toBe(failed.detail!.retryAt);

    testClock.advance(2_000);
    view = await c.settle((v) => actions(v, "step.attempt_failed").length === 2, "second notice attempt failed");
    testClock.advance(4_000);
    view = await c.settle((v) => actions(v, "sla.notified").length === 1, "notified");
    expect(view.attempts.filter((a) => a.stepId === "review:sla-notice:1").map((a) => [a.attempt, a.outcome])).toEqual([
      [1, "failed"],
      [2, "failed"],
      [3, "succeeded"],
    ]);
    expect(await requestsWith("slack", keyOf(view, "review:sla-notice:1"))).toHaveLength(1);
    expect(actions(view, "sla.breached")).toHaveLength(1);
    expect(
      await c.decide({
        stepId: "review",
        decision: "resolve",
        outcome: "reviewed-late",
        actor: { id: "lead-cy", roles: ["operator"] },
      }),
    ).toEqual({ status: "accepted" });
    await c.settle((v) => v.header.status === "resolved", "resolved");
  });
});

describe("SLA of an approval", () => {
  it("moves the approval to the next queue and emails the leads' address once", async () => {
    const c = caseHandle(slaReview);
    await c.open({ task: "approve" });
    let view = await c.settle((v) => v.wait?.stepId === "sign-off", "waiting for the sign-off");
    expect(view.wait!.human).toMatchObject({
      kind: "approval",
      queue: "approvals",
      slaDeadline: view.wait!.startedAt + 2 * HOUR,
    });
    testClock.advance(2 * HOUR + MIN);
    view = await c.settle((v) => actions(v, "sla.notified").length > 0, "breach notified");
    await fireAgain(c.caseKey);
    view = await c.view();
    expect(view.header.status).toBe("waiting");
    expect(view.wait!.human).toMatchObject({ kind: "approval", queue: "review-leads" });
    expect(actions(view, "sla.breached")).toHaveLength(1);
    expect(actions(view, "sla.notified")[0]).toMatchObject({ detail: { notifier: "email", queue: "approvals" } });

    expect(await requestsWith("resend", keyOf(view, "sign-off:sla-notice:1"))).toHaveLength(1);
    const { sent } = await simGet<{ sent: SentEmail[] }>("/resend/_sim/sent");
    const mails = sent.filter((m) => m.text.includes(c.caseKey));
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({
      to: ["review-leads@example.com"],
      subject: "SLA missed: Sign off the refund of 240 EUR",
    });
    expect(mails[0]!.text).toContain("waited in queue approvals past its deadline");

    expect(
      await c.decide({ stepId: "sign-off", decision: "approve", actor: { id: "lead-cy", roles: ["operator"] } }),
    ).toEqual({ status: "accepted" });
    view = await c.settle((v) => v.header.status === "resolved", "resolved");
    expect(view.header.outcome).toBe("signed-off");
  });
});

describe("SLA breach rate", () => {
  it("is counted per workflow and version by the KPI module from the libSQL rollups", async () => {
    // This file's four cases: all handed to a person, three of them past their SLA (one decided in time).
    const kpis = await eventually(
      async () => {
        const [group] = await tallyFromRollups(db, {
          fromDay: 0,
          toDay: 1_000_000,
          workflowId: slaReview.id,
          version: 1,
        });
        const k = group ? kpisOf(group.tally) : null;
        return k && k.casesOpened === 4 && k.resolvedWithHelp === 4 && k.slaBreached === 3 ? k : undefined;
      },
      15_000,
      "the four cases' final rows in libSQL",
    );
    expect(kpis).toMatchObject({ handedToPerson: 4, slaBreached: 3, slaBreachRate: 0.75, escalated: 3 });
    const rows = await db.$client.execute({
      sql: "SELECT sum(sla_breaches) AS breaches, sum(handed_to_person) AS handed FROM cases WHERE workflow_id = ?",
      args: [slaReview.id],
    });
    expect(rows.rows[0]).toMatchObject({ breaches: 3, handed: 4 });
  });
});
