/**
 * `npm run shadow -- <workflow> --candidate <version> [--cases N | --since DATE] [--by <name>]`: tries a candidate
 * version on the workflow's recorded cases through the running stack's case API (`POST /api/rollouts/<workflow>/
 * shadow-runs`): the worker replays each case in a sandbox where production's steps answer from its record and the
 * candidate's writes are recorded, never sent. Prints the verdicts, the cases that differ with their first differing
 * step, the KPIs side by side, and the report's id (the dashboard's Rollouts page opens it).
 * Env: WORKER_URL (default the local stack's), CROSSFLOW_API_TOKEN (an API key of an admin, or the dashboard's token,
 * default `.dev.vars`').
 */
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import type { ShadowReport } from "../db/rollouts/shadow-reports.ts";
import { devVar, firstSecret } from "./dev-vars.ts";

const USAGE =
  "usage: npm run shadow -- <workflow> --candidate <version> [--cases 1..500 (default 200) | --since 2026-11-24] [--by <name>]";

const fail = (message: string): never => {
  console.error(message);
  process.exit(2);
};

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        candidate: { type: "string" },
        cases: { type: "string" },
        since: { type: "string" },
        by: { type: "string" },
      },
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n${USAGE}`);
  }
})();
const [workflow] = positionals;
if (!workflow || !values.candidate) fail(USAGE);
const candidate = Number(values.candidate);
if (!Number.isInteger(candidate) || candidate < 1)
  fail(`--candidate must be a version number, not "${values.candidate}"`);
if (values.cases !== undefined && values.since !== undefined) fail(`--cases and --since are exclusive\n${USAGE}`);
const cases = values.cases === undefined ? undefined : Number(values.cases);
if (cases !== undefined && (!Number.isInteger(cases) || cases < 1 || cases > 500))
  fail(`--cases must be a whole number from 1 to 500, not "${values.cases}"`);
if (values.since !== undefined && Number.isNaN(Date.parse(values.since)))
  fail(`--since must be an ISO date (2026-11-24) or time, not "${values.since}"`);

const workerUrl = process.env.WORKER_URL ?? `http://127.0.0.1:${process.env.WORKER_PORT ?? 8787}`;
const token = firstSecret(process.env.CROSSFLOW_API_TOKEN ?? devVar("CROSSFLOW_API_TOKEN"));
if (!token) fail("no CROSSFLOW_API_TOKEN (set it, or start the local stack once so .dev.vars has one)");

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${workerUrl}/api${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    });
  } catch (error) {
    return fail(
      `the worker at ${workerUrl} is not reachable (is the stack running? npm start): ${(error as Error).message}`,
    );
  }
  const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!res.ok) return fail(`${res.status} ${body?.error?.code ?? ""}: ${body?.error?.message ?? "no error body"}`);
  return body as T;
}

// The dashboard's token acts for a named person; an API key acts as its holder (the worker checks which).
const actor = values.by ?? (process.env.CROSSFLOW_API_TOKEN ? undefined : userInfo().username);
const started = Date.now();
const summary = await api<Pick<ShadowReport, "id">>(`/rollouts/${encodeURIComponent(workflow!)}/shadow-runs`, {
  method: "POST",
  body: JSON.stringify({
    candidate,
    ...(cases !== undefined ? { cases } : {}),
    ...(values.since ? { since: values.since } : {}),
    ...(actor ? { actor } : {}),
  }),
});
const report = await api<ShadowReport>(
  `/rollouts/${encodeURIComponent(workflow!)}/shadow-runs/${encodeURIComponent(summary.id)}`,
);

const { counts } = report;
console.log(
  `Shadow run of ${workflow} v${candidate} over ${counts.cases} recorded cases (production v${report.productionVersions.join(", v")}), ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
console.log("| same | different decision | different action | failed | cases |");
console.log("|---|---|---|---|---|");
console.log(
  `| ${counts.same} | ${counts.differentDecision} | ${counts.differentAction} | ${counts.failed} | ${counts.cases} |\n`,
);

const differing = report.results.filter((r) => r.verdict !== "same");
for (const r of differing.slice(0, 20)) {
  const end = (e: { status: string; outcome: string | null } | null) =>
    e ? `${e.status}${e.outcome ? ` (${e.outcome})` : ""}` : "—";
  console.log(`${r.verdict.padEnd(18)} ${r.caseId}: production ${end(r.production)}, candidate ${end(r.candidate)}`);
  if (r.reason) console.log(`${"".padEnd(19)}${r.reason}`);
}
if (differing.length > 20) console.log(`… and ${differing.length - 20} more (the report has them all)`);

const pct = (v: unknown) => (typeof v === "number" ? `${(v * 100).toFixed(1)} %` : "—");
console.log("\n| KPI | production | candidate (estimated) | verdict |");
console.log("|---|---|---|---|");
for (const k of report.kpis.comparison) {
  const value = (v: number | null) => (k.unit === "rate" ? pct(v) : v === null ? "—" : `${v} min`);
  console.log(`| ${k.label} | ${value(k.baseline.value)} | ${value(k.candidate.value)} | ${k.verdict} |`);
}
console.log(`\nreport ${report.id} (GET /api/rollouts/${workflow}/shadow-runs/${report.id})`);
