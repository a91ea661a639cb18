/**
 * Case operations through the case API on `wrangler dev`, with libSQL: a case that failed (Stripe down when the
 * workflow looked a charge up between steps) is retried by an operator and resumes where it stopped; a step that failed
 * over to a person is retried and runs again; the waiting task is reassigned to another queue; the case is cancelled
 * and ends resolved/cancelled in the case and in the metrics database. Each operation is audited with who and why, a
 * repeat is a duplicate, and every refusal is precise.
 */
import { rmSync } from "node:fs";
import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client.ts";
import { cases } from "../../db/schema.ts";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign } from "../../scripts/senders.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { useStack } from "../support/stack.ts";
import { testWorkerConfig } from "../support/test-worker.ts";
import { eventually } from "../support/wait.ts";
import { OPS_FIXTURE } from "./operations-fixture.ts";

const worker = testWorkerConfig("test/e2e/operations-worker.ts");
afterAll(() => rmSync(worker.dir, { recursive: true, force: true }));
const stack = useStack("operations", { workerConfig: worker.config });
const token = () => firstSecret(devVar("CROSSFLOW_API_TOKEN"));
const run = crypto.randomUUID().slice(0, 8);
const OPERATOR = { id: "ops-rita", roles: ["operator"] };

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack().worker.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token()}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function stripe(path: string, body: Record<string, unknown>) {
  const res = await fetch(`${stack().simulators.url}/stripe${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.ok).toBe(true);
}

/** A charge in the Stripe simulator, then a ticket naming it; the next Stripe call answers 503 when `outage`. */
async function ticket(n: string, subject: string, outage: boolean): Promise<string> {
  const id = `ch_ops${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const res = await fetch(`${stack().simulators.url}/stripe/v1/charges`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ id, amount: "4200", currency: "eur" }),
  });
  expect(res.ok).toBe(true);
  if (outage) await stripe("/_sim/faults", { status: 503 });
  const email = `${run}-${n}@example.com`;
  const payload = {
    id: `zd-${crypto.randomUUID()}`,
    type: "zen:event-type:ticket.created",
    time: new Date().toISOString(),
    detail: {
      id: String(Math.floor(Math.random() * 1e9)),
      subject,
      description: `Please refund ${id}.`,
      tags: [OPS_FIXTURE],
      requester: { email },
    },
  };
  const sent = await post(stack().worker.url, await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, payload));
  expect(sent.status).toBe(202);
  return encodeURIComponent(`customer:${email}`);
}

const casePath = (key: string) => `/cases/${OPS_FIXTURE}/${key}`;

/** The case once `ready` holds for its view. */
const caseWhen = (key: string, ready: (view: any) => boolean, what: string) =>
  eventually(
    async () => {
      const { status, body } = await api("GET", casePath(key));
      return status === 200 && ready(body) ? body : undefined;
    },
    30_000,
    what,
  );

const auditOf = async (key: string) => (await api("GET", `${casePath(key)}/audit`)).body;

describe("case operations through the case API", () => {
  it("retries a failed case from where it stopped, audited with who and why", async () => {
    const key = await ticket("failed", "lookup outside a step", true);
    const failed = await caseWhen(key, (v) => v.header.status === "failed", "the case failing");
    expect(failed.header.error).toMatch(/503|unavailable/i);

    const retry = { reason: "Stripe is back up", actor: OPERATOR };
    const first = await api("POST", `${casePath(key)}/retry`, retry, { "idempotency-key": `retry-${run}` });
    expect(first).toEqual({ status: 202, body: { accepted: true, duplicate: false, status: "running" } });
    const again = await api("POST", `${casePath(key)}/retry`, retry, { "idempotency-key": `retry-${run}` });
    expect(again).toEqual({ status: 200, body: { accepted: true, duplicate: true, status: expect.any(String) } });

    const resumed = await caseWhen(key, (v) => v.header.wait?.stepId === "review", "the case reaching review");
    expect(resumed.header.status).toBe("escalated");
    // It resumed where it stopped: the step before the failure ran once.
    expect(resumed.steps.filter((s: any) => s.id === "find-charge")).toHaveLength(1);
    const audit = await auditOf(key);
    expect(audit.verification.valid).toBe(true);
    const retried = audit.entries.filter((e: any) => e.action === "case.retried");
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatchObject({
      actor: { kind: "human", id: "ops-rita" },
      detail: { reason: "Stripe is back up", from: "failed", via: "dashboard" },
    });
  });

  it("retries a step that failed over to a person, reassigns the task, cancels the case; refusals are precise", async () => {
    const key = await ticket("step", "plain", true);
    const handed = await caseWhen(key, (v) => v.header.wait?.stepId === "load-charge", "the step failing over");
    expect(handed.header.wait.human).toMatchObject({ queue: "errors", allowed: ["retry", "resolve"] });

    // Nothing to reassign to, no reason, a foreign body, no person named by the dashboard's token: refused.
    expect((await api("POST", `${casePath(key)}/retry`, { actor: OPERATOR })).body.error.code).toBe(
      "invalid_operation",
    );
    expect((await api("POST", `${casePath(key)}/retry`, { reason: "because" })).body.error.code).toBe("actor_required");
    const text = await api("POST", `${casePath(key)}/cancel`, "reason", { "content-type": "text/plain" });
    expect(text).toMatchObject({ status: 415, body: { error: { code: "unsupported_media_type" } } });
    const missing = await api("POST", `/cases/${OPS_FIXTURE}/nobody/cancel`, { reason: "gone", actor: OPERATOR });
    expect(missing).toMatchObject({ status: 404, body: { error: { code: "case_not_found" } } });

    const retried = await api("POST", `${casePath(key)}/retry`, {
      reason: "card processor recovered",
      actor: OPERATOR,
    });
    expect(retried.status).toBe(202);
    const review = await caseWhen(key, (v) => v.header.wait?.stepId === "review", "the retried step succeeding");
    expect(review.header.wait.human.queue).toBe("refunds");
    const noRetry = await api("POST", `${casePath(key)}/retry`, { reason: "again", actor: OPERATOR });
    expect(noRetry).toMatchObject({ status: 409, body: { error: { code: "nothing_to_retry" } } });

    const move = { reason: "a lead should look at this one", actor: OPERATOR, queue: "refund-leads" };
    expect((await api("POST", `${casePath(key)}/reassign`, move)).status).toBe(202);
    expect((await api("POST", `${casePath(key)}/reassign`, move)).body.duplicate).toBe(true);
    const bad = await api("POST", `${casePath(key)}/reassign`, { ...move, queue: "Refund Leads!" });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: "invalid_operation" } } });
    expect((await api("GET", casePath(key))).body.header.wait.human.queue).toBe("refund-leads");

    const cancel = { reason: "the customer withdrew the request", actor: OPERATOR };
    const cancelled = await api("POST", `${casePath(key)}/cancel`, cancel);
    expect(cancelled).toEqual({ status: 202, body: { accepted: true, duplicate: false, status: "resolved" } });
    expect((await api("POST", `${casePath(key)}/cancel`, cancel)).status).toBe(200);
    const ended = (await api("GET", casePath(key))).body.header;
    expect(ended).toMatchObject({ status: "resolved", outcome: "cancelled", wait: null });
    const afterEnd = await api("POST", `${casePath(key)}/reassign`, move);
    expect(afterEnd).toMatchObject({ status: 409, body: { error: { code: "no_task" } } });

    const audit = await auditOf(key);
    expect(audit.verification.valid).toBe(true);
    const ops = audit.entries
      .filter((e: any) => ["case.retried", "task.reassigned", "case.cancelled"].includes(e.action))
      .map((e: any) => [e.action, e.actor.id, e.detail.reason]);
    expect(ops).toEqual([
      ["case.retried", "ops-rita", "card processor recovered"],
      ["task.reassigned", "ops-rita", "a lead should look at this one"],
      ["case.cancelled", "ops-rita", "the customer withdrew the request"],
    ]);
    // The retry on the failed-over step is also the person's decision, with the reason as its note.
    expect(audit.entries.find((e: any) => e.action === "human.decision")?.detail).toMatchObject({
      decision: "retry",
      note: "card processor recovered",
    });

    // The metrics database counts it as ended by a person with the outcome `cancelled` (not as an error).
    const db = openDatabase({ url: stack().libsql.url, authToken: stack().libsql.authToken });
    const row = await eventually(
      async () => {
        const [found] = await db
          .select()
          .from(cases)
          .where(and(eq(cases.workflowId, OPS_FIXTURE), eq(cases.caseKey, decodeURIComponent(key))));
        return found?.status === "resolved" ? found : undefined;
      },
      30_000,
      "the cancellation in the metrics database",
    );
    expect(row).toMatchObject({ outcome: "cancelled", awaitingPerson: false });
  });
});
