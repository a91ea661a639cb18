/**
 * Runs inside workerd with the real case Durable Object (SQLite storage, alarms) and a real libSQL endpoint.
 */

import { env, runInDurableObject } from "cloudflare:test";
import { createClient } from "@libsql/client/web";
import { afterAll, describe, expect, inject, it } from "vitest";
import { issueOpenedPayload, sign } from "../../scripts/senders.ts";
import { caseId } from "../../workers/engine/index.ts";
import type { CaseView } from "../../workers/platform/cloudflare/case-object.ts";
import { CaseObject } from "../../workers/platform/cloudflare/index.ts";
import { eventually } from "../support/wait.ts";
import { send, settle } from "./helpers.ts";

const TRIAGE = "github-issue-triage";
const secret = inject("githubSecret");
const metrics = createClient({ url: inject("libsqlUrl") });
afterAll(() => metrics.close());

let issueNumber = 1000;
const nextIssue = () => ++issueNumber;

async function metricKinds(id: string): Promise<string[]> {
  const rs = await metrics.execute({
    sql: "SELECT kind FROM metric_events WHERE case_id = ? ORDER BY at, kind",
    args: [id],
  });
  return rs.rows.map((r) => String(r.kind));
}

/** The metric events of a case once the queue consumer has written its final row (the queue delivers within seconds). */
function settledMetricKinds(id: string, count: number): Promise<string[]> {
  return eventually(
    async () => {
      const kinds = await metricKinds(id);
      return kinds.length >= count ? kinds : undefined;
    },
    10_000,
    `${count} metric events of ${id}`,
  );
}

describe("case object", () => {
  it("stores a signed delivery, runs the workflow to resolution and writes its metrics to libSQL", async () => {
    const res = await send(
      await sign.github(secret, "issues", issueOpenedPayload("acme/api", nextIssue(), "Crash on login")),
    );
    expect(res.status).toBe(202);
    const caseKey = `github:acme/api#${issueNumber}`;
    expect(res.body).toMatchObject({
      accepted: 1,
      duplicate: false,
      deliveries: [{ status: "accepted", cases: [{ workflow: TRIAGE, caseKey }] }],
    });

    const view = await settle(TRIAGE, caseKey);
    expect(view.header.status).toBe("resolved");
    expect(view.header.outcome).toBe("triaged");
    expect(view.steps.map((s) => s.id)).toEqual(["classify", "resolve:triaged"]);
    expect(view.steps[0]?.output).toEqual(["bug"]);

    expect(await settledMetricKinds(caseId(TRIAGE, caseKey), 5)).toEqual(
      expect.arrayContaining(["case.opened", "case.status", "step.completed", "step.completed", "case.resolved"]),
    );
    const row = await metrics.execute({
      sql: "SELECT status, outcome, case_key FROM cases WHERE case_id = ?",
      args: [caseId(TRIAGE, caseKey)],
    });
    expect(row.rows[0]).toMatchObject({ status: "resolved", outcome: "triaged", case_key: caseKey });
    // Numbered by the case's outbox 1, 2, 3… and applied in that order up to the case's mark.
    const numbered = await metrics.execute({
      sql: "SELECT seq FROM metric_events WHERE case_id = ? ORDER BY seq",
      args: [caseId(TRIAGE, caseKey)],
    });
    const seqs = numbered.rows.map((r) => Number(r.seq));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const mark = await metrics.execute({
      sql: "SELECT seq FROM metric_sequences WHERE case_id = ?",
      args: [caseId(TRIAGE, caseKey)],
    });
    expect(Number(mark.rows[0]!.seq)).toBe(seqs.length);
  });

  it("answers a redelivered event as a duplicate and keeps one event and one set of metrics", async () => {
    const delivery = await sign.github(secret, "issues", issueOpenedPayload("acme/api", nextIssue()));
    const caseKey = `github:acme/api#${issueNumber}`;
    const first = await send(delivery);
    const second = await send(delivery);
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({
      duplicate: true,
      deliveries: [{ status: "duplicate", cases: [{ caseKey, status: "duplicate" }] }],
    });

    await settle(TRIAGE, caseKey);
    expect((await send(delivery)).body.duplicate).toBe(true);
    const view = await settle(TRIAGE, caseKey);
    expect(view.events).toHaveLength(1);
    expect(view.steps).toHaveLength(2);
    const kinds = await settledMetricKinds(caseId(TRIAGE, caseKey), 5);
    expect(kinds.filter((k) => k === "case.opened")).toHaveLength(1);
    expect(kinds.filter((k) => k === "case.resolved")).toHaveLength(1);
  });

  it("accepts a delivery signed with an older secret that is still active during rotation", async () => {
    expect(
      (await send(await sign.github("an-older-rotated-secret", "issues", issueOpenedPayload("acme/api", nextIssue()))))
        .status,
    ).toBe(202);
  });

  it("keeps metric events in its outbox while they cannot be handed over, and delivers them exactly once later", async () => {
    const caseKey = `github:acme/api#${nextIssue()}`;
    const id = caseId(TRIAGE, caseKey);
    const stub = env.CASES.getByName(id);
    const envelope = {
      id: crypto.randomUUID(),
      source: "github",
      type: "issues.opened",
      receivedAt: Date.now(),
      caseKey,
      workflow: { id: TRIAGE, version: 1 },
      opens: true,
      payloadJson: JSON.stringify(issueOpenedPayload("acme/api", issueNumber)),
    };
    // The real stored case, driven by an instance with no queue and a database URL at a closed port. The alarm
    // the ingest schedules is taken over by this instance, so the regular one cannot flush in the meantime.
    const offline = await runInDurableObject(stub, async (_instance, state) => {
      const cut = new CaseObject(state, { ...env, METRICS_QUEUE: undefined, TURSO_DATABASE_URL: "http://127.0.0.1:9" });
      await cut.ingest(envelope);
      await state.storage.deleteAlarm();
      await cut.alarm();
      return { view: (await cut.view()) as CaseView | null, nextAlarm: await state.storage.getAlarm() };
    });
    expect(offline.view?.header.status).toBe("resolved");
    expect(offline.view?.pendingMetrics).toBe(5);
    expect(offline.nextAlarm).toBeGreaterThan(Date.now());
    expect(await metricKinds(id)).toEqual([]);

    await settle(TRIAGE, caseKey);
    const kinds = await settledMetricKinds(id, 5);
    expect(kinds).toHaveLength(5);
    expect(new Set(kinds).size).toBe(4);
  });
});
