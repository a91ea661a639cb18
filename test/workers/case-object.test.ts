/**
 * Runs inside workerd with the real case Durable Object (SQLite storage, alarms) and a real libSQL endpoint.
 */
import { createClient } from "@libsql/client/web";
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterAll, describe, expect, inject, it } from "vitest";
import { CaseObject } from "../../workers/index.ts";
import type { CaseView } from "../../workers/case/case-object.ts";
import { issueOpenedPayload, signGithubDelivery } from "../../scripts/deliveries.ts";

const secret = inject("githubSecret");
const metrics = createClient({ url: inject("libsqlUrl") });
afterAll(() => metrics.close());

let issueNumber = 1000;
const nextIssue = () => ++issueNumber;

async function post(delivery: { body: string; headers: Record<string, string> }) {
  const res = await exports.default.fetch("https://crossflow.test/hooks/github", { method: "POST", headers: delivery.headers, body: delivery.body });
  return { status: res.status, body: (await res.json()) as any };
}

/**
 * Drives the case until it has ended and its outbox is empty. The alarm may already be running on its own
 * (miniflare fires it), so poll the stored state instead of assuming our call is the one that ran it.
 */
/** The stored case over RPC. (RPC typing cannot express `unknown` step outputs, hence the declared type.) */
async function viewOf(caseKey: string): Promise<CaseView | null> {
  return (await env.CASES.getByName(caseKey).view()) as CaseView | null;
}

async function settle(caseKey: string): Promise<CaseView> {
  const stub = env.CASES.getByName(caseKey);
  for (let i = 0; i < 100; i++) {
    await runDurableObjectAlarm(stub);
    const view = await viewOf(caseKey);
    if (view && ["resolved", "failed"].includes(view.header.status) && view.pendingMetrics === 0) return view;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`case ${caseKey} did not settle`);
}

async function metricKinds(caseKey: string): Promise<string[]> {
  const rs = await metrics.execute({ sql: "SELECT kind FROM metric_events WHERE case_key = ? ORDER BY at, kind", args: [caseKey] });
  return rs.rows.map((r) => String(r.kind));
}

describe("case object", () => {
  it("stores a signed delivery, runs the workflow to resolution and writes its metrics to libSQL", async () => {
    const delivery = await signGithubDelivery(secret, "issues", issueOpenedPayload("acme/api", nextIssue(), "Crash on login"));
    const res = await post(delivery);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: true, duplicate: false, caseKey: `github:acme/api#${issueNumber}` });

    const view = await settle(res.body.caseKey);
    expect(view?.header.status).toBe("resolved");
    expect(view?.header.outcome).toBe("triaged");
    expect(view?.steps.map((s) => s.id)).toEqual(["classify", "resolve:triaged"]);
    expect(view?.steps[0]?.output).toEqual(["bug"]);
    expect(view?.pendingMetrics).toBe(0);

    expect(await metricKinds(res.body.caseKey)).toEqual(
      expect.arrayContaining(["case.opened", "case.status", "step.completed", "step.completed", "case.resolved"]),
    );
    const row = await metrics.execute({ sql: "SELECT status, outcome, workflow_id FROM cases WHERE case_key = ?", args: [res.body.caseKey] });
    expect(row.rows[0]).toMatchObject({ status: "resolved", outcome: "triaged", workflow_id: "github-issue-triage" });
  });

  it("answers a redelivered event as a duplicate and keeps one event and one set of metrics", async () => {
    const delivery = await signGithubDelivery(secret, "issues", issueOpenedPayload("acme/api", nextIssue()));
    const first = await post(delivery);
    const second = await post(delivery);
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ duplicate: true, caseKey: first.body.caseKey });

    await settle(first.body.caseKey);
    expect((await post(delivery)).body.duplicate).toBe(true);
    const view = await settle(first.body.caseKey);
    expect(view?.events).toHaveLength(1);
    expect(view?.steps).toHaveLength(2);
    const kinds = await metricKinds(first.body.caseKey);
    expect(kinds.filter((k) => k === "case.opened")).toHaveLength(1);
    expect(kinds.filter((k) => k === "case.resolved")).toHaveLength(1);
  });

  it("accepts a delivery signed with an older secret that is still active during rotation", async () => {
    const delivery = await signGithubDelivery("an-older-rotated-secret", "issues", issueOpenedPayload("acme/api", nextIssue()));
    expect((await post(delivery)).status).toBe(202);
  });

  it("keeps metric events in its outbox while libSQL is unreachable and delivers them exactly once later", async () => {
    const caseKey = `github:acme/api#${nextIssue()}`;
    const stub = env.CASES.getByName(caseKey);
    const envelope = {
      id: crypto.randomUUID(),
      source: "github",
      type: "issues.opened",
      receivedAt: Date.now(),
      caseKey,
      workflow: { id: "github-issue-triage", version: 1 },
      payload: issueOpenedPayload("acme/api", issueNumber),
    };
    // The real stored case, driven by an instance whose database URL points at a closed port. The alarm the
    // ingest schedules is taken over by this instance, so the regular one cannot flush in the meantime.
    const offline = await runInDurableObject(stub, async (_instance, state) => {
      const cut = new CaseObject(state, { ...env, TURSO_DATABASE_URL: "http://127.0.0.1:9" });
      await cut.ingest(envelope);
      await state.storage.deleteAlarm();
      await cut.alarm();
      return { view: (await cut.view()) as CaseView | null, nextAlarm: await state.storage.getAlarm() };
    });
    expect(offline.view?.header.status).toBe("resolved");
    expect(offline.view?.pendingMetrics).toBe(5);
    expect(offline.nextAlarm).toBeGreaterThan(Date.now());
    expect(await metricKinds(caseKey)).toEqual([]);

    await settle(caseKey);
    const kinds = await metricKinds(caseKey);
    expect(kinds).toHaveLength(5);
    expect(new Set(kinds).size).toBe(4);
  });

});
