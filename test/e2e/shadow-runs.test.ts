/**
 * Shadow runs end to end on `wrangler dev` (issue 17, done-when 2): 200 real refund-dispute cases recorded from the
 * demo's signed webhooks on version 2, then `npm run shadow` tries version 3 (test/e2e/shadow-candidate.ts: it denies
 * what version 2 refunds) on them. Nothing reaches any simulator while it runs (their own request logs say so), the
 * report lists exactly the cases whose decision was a refund as different decisions, with the triage steps side by
 * side, and counts the rest as the same.
 */
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { createClient } from "@libsql/client/web";
import { afterAll, describe, expect, it } from "vitest";
import type { ShadowReport, ShadowStep } from "../../db/rollouts/shadow-reports.ts";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { ROOT } from "../../scripts/stack.ts";
import { useStack } from "../support/stack.ts";
import { testWorkerConfig } from "../support/test-worker.ts";

const worker = testWorkerConfig("test/e2e/shadow-worker.ts");
afterAll(() => rmSync(worker.dir, { recursive: true, force: true }));
const stack = useStack("shadow", { workerConfig: worker.config });

const tsx = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const token = () => firstSecret(devVar("CROSSFLOW_API_TOKEN"));
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${stack().worker.url}/api${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token()}`, "content-type": "application/json", ...init.headers },
  });

const SYSTEMS = [
  "stripe",
  "resend",
  "zendesk",
  "compliance",
  "provisioning",
  "hubspot",
  "twilio",
  "slack",
  "salesforce",
];
/** Every request each simulator logged since `since` (epoch ms). */
async function simulatorRequestsSince(since: number) {
  const all = await Promise.all(
    SYSTEMS.map(async (system) => {
      const res = await fetch(`${stack().simulators.url}/${system}/_sim/requests`);
      const { requests } = (await res.json()) as { requests: { method: string; path: string; at: number }[] };
      return requests.filter((r) => r.at >= since).map((r) => ({ system, ...r }));
    }),
  );
  return all.flat();
}

const decisionOf = (step: ShadowStep | null) =>
  (step?.result as { decision?: { decision?: string } } | null)?.decision?.decision;

describe("shadow runs on wrangler dev", () => {
  it("tries refund-dispute v3 on 200 recorded v2 cases: nothing sent, refunds found different with their steps, the rest the same", async () => {
    // The demo's signed webhooks, 100 cases a run, until 200 have settled (resolved, or waiting for a person) in the
    // metrics database: a run whose last cases are still moving after its 120 s is not a reason to stop recording.
    const db = createClient({ url: stack().libsql.url, authToken: stack().libsql.authToken });
    const SETTLED =
      "FROM cases WHERE workflow_id = 'refund-dispute' AND status IN ('resolved','failed','escalated') ORDER BY opened_at DESC LIMIT 200";
    const settled = async () => (await db.execute(`SELECT case_id ${SETTLED}`)).rows.length;
    for (let run = 0; run < 4 && (await settled()) < 200; run++) {
      await promisify(execFile)(
        process.execPath,
        [tsx, "scripts/demo.ts", "--cases", "100", "--workflow", "refund-dispute"],
        {
          cwd: ROOT,
          env: { ...process.env, WORKER_URL: stack().worker.url, SIMULATORS_URL: stack().simulators.url },
          timeout: 170_000,
        },
      ).catch((error: Error) => console.warn(`demo run ${run + 1}: ${error.message.split("\n").at(-2)}`));
      // The cases' summaries reach the metrics database through the queue, a moment after the cases settle.
      for (let seen = -1, count = await settled(); count !== seen; count = await settled()) {
        seen = count;
        await new Promise((r) => setTimeout(r, 3_000));
      }
    }
    const recorded = await db.execute(`SELECT case_id, workflow_version, outcome ${SETTLED}`);
    expect(recorded.rows.length).toBe(200);
    expect(new Set(recorded.rows.map((r) => Number(r.workflow_version)))).toEqual(new Set([2]));

    // The dashboard's token acts for a named admin: without one the run is refused before anything runs.
    const unnamed = await api("/rollouts/refund-dispute/shadow-runs", {
      method: "POST",
      body: JSON.stringify({ candidate: 3 }),
    });
    expect(unnamed.status).toBe(400);
    expect(((await unnamed.json()) as { error: { code: string } }).error.code).toBe("actor_required");
    const unknown = await api("/rollouts/refund-dispute/shadow-runs", {
      method: "POST",
      body: JSON.stringify({ candidate: 9, actor: "ana" }),
    });
    expect(unknown.status).toBe(422);

    const started = Date.now();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"),
        "scripts/shadow.ts",
        "refund-dispute",
        "--candidate",
        "3",
        "--cases",
        "200",
        "--by",
        "ana",
      ],
      { cwd: ROOT, env: { ...process.env, WORKER_URL: stack().worker.url }, timeout: 240_000 },
    );
    // Not one request reached a simulator while the candidate ran: no write, and no read either.
    expect(await simulatorRequestsSince(started)).toEqual([]);

    const id = /^report (\S+)/m.exec(stdout)?.[1];
    expect(id, stdout).toBeTruthy();
    const report = (await (await api(`/rollouts/refund-dispute/shadow-runs/${id}`)).json()) as ShadowReport;
    expect(report.requestedBy).toBe("person:ana via dashboard");
    expect(report.productionVersions).toEqual([2]);
    expect(report.counts.cases).toBe(200);
    const notCompared = report.results.filter((r) => r.verdict === "failed" || r.verdict === "different action");
    expect(notCompared.map((r) => `${r.verdict}: ${r.reason} ${JSON.stringify(r.steps).slice(0, 1500)}`)).toEqual([]);
    expect(report.counts.same + report.counts.differentDecision).toBe(200);
    expect(report.counts.same).toBeGreaterThan(0);
    expect(report.counts.differentDecision).toBeGreaterThan(0);
    expect(stdout).toContain(`| ${report.counts.same} | ${report.counts.differentDecision} | 0 | 0 | 200 |`);

    // Exactly the cases version 2 decided to refund differ, each with its triage turn side by side: v2 refund, v3 deny.
    for (const result of report.results) {
      const triage = result.steps.find((s) => s.id === "triage" || s.id === "triage-with-reply");
      if (result.verdict === "same") {
        expect(result.steps).toEqual([]);
        expect(result.candidate).toEqual(result.production);
        continue;
      }
      expect(result.verdict, JSON.stringify(result)).toBe("different decision");
      expect(decisionOf(triage!.production)).toBe("refund");
      expect(decisionOf(triage!.candidate)).toBe("deny");
      // A case production left waiting for an approval: v3 denies and replies on the ticket, whose safe update first
      // reads the ticket, a read production never made there. The decision differs all the same; the rest is not run.
      if (result.candidate) expect(result.candidate).toEqual({ status: "resolved", outcome: "denied" });
      else
        expect(result.reason).toMatch(
          /^first difference at step triage.*; then the candidate needs a read production never made: GET \S+\/zendesk\/api\/v2\/tickets\/\d+\.json \(step reply-on-ticket\)$/,
        );
    }
    const refundedInProduction = recorded.rows.filter((r) => r.outcome === "refunded").length;
    expect(report.counts.differentDecision).toBeGreaterThanOrEqual(refundedInProduction);

    // The estimated KPIs sit beside production's over the same cases, with the comparison's verdicts.
    const ranToAnEnd = report.results.filter((r) => r.candidate !== null).length;
    expect(ranToAnEnd).toBeGreaterThan(150);
    expect(report.kpis.production.casesOpened).toBe(ranToAnEnd);
    expect(report.kpis.candidate.casesOpened).toBe(ranToAnEnd);
    // v3 refunds nothing: every case it ran to an end without a person resolved on its own.
    expect(report.kpis.candidate.autonomousResolutionRate).toBeGreaterThan(
      report.kpis.production.autonomousResolutionRate!,
    );
    expect(report.kpis.comparison.map((k) => k.kpi)).toContain("autonomousResolutionRate");

    const list = (await (await api("/rollouts/refund-dispute/shadow-runs")).json()) as { reports: { id: string }[] };
    expect(list.reports.map((r) => r.id)).toContain(id);
  }, 480_000);
});
