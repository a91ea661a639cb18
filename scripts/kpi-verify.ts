/**
 * `npm run kpi:verify`: recounts every KPI from the case objects' own records (header and audit trail, read through
 * the case API) and compares it with what the dashboard's queries return from the rollups, per workflow × version
 * and per day. Prints each mismatch (and the cases whose summary row differs) and exits non-zero if there is any.
 * Cases are those the metrics database knows plus those the demo recorded in `.data/demo-cases.jsonl` (`CROSSFLOW_DEMO_MANIFEST`), so a case
 * whose metrics never arrived is found too. The demo history's cases (`npm start`'s 30 days, scripts/demo-history/) live in no case
 * object: each is recounted from the audit trail the history kept of it. The case list and the rollups are read at one
 * moment (`readAtRest`), so a case opened meanwhile (`npm start`'s trickle) is in both or neither. In-flight cases move
 * while they are read: the comparison is repeated until it holds or `--settle` seconds (default 30) have passed.
 * Env: WORKER_URL, CROSSFLOW_API_TOKEN, TURSO_DATABASE_URL, TURSO_AUTH_TOKEN (default: the local stack's).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
// The dashboard's own wording of durations and amounts (minor units), so the recount reads as the pages do.
import { money } from "../dashboard/src/lib/cases/evidence/read.ts";
import { duration } from "../dashboard/src/lib/format.ts";
import { type MetricsDatabase, openDatabase } from "../db/client.ts";
import {
  type CaseRow,
  COUNT_FIELDS,
  conversationFiguresOf,
  conversationFromCases,
  conversationFromRollups,
  type GroupKey,
  kpisOf,
  type TallyGroup,
  tallyFromCases,
  tallyFromRollups,
  type ValueTally,
  valueFiguresOf,
  valueFromCases,
  valueFromRollups,
} from "../db/kpi/index.ts";
import { satisfactionFromCases, satisfactionFromRollups, satisfactionMismatches } from "../db/kpi/satisfaction.ts";
import type { AuditEntry } from "../workers/engine/audit.ts";
import type { CaseStatus } from "../workers/engine/types.ts";
import { caseFacts } from "../workers/metrics/index.ts";
import { CATALOGUE } from "../workers/workflows/catalogue.ts";
import { recountHistory } from "./demo-history/recount.ts";
import { devVar, firstSecret } from "./dev-vars.ts";
import { mapLimit } from "./map-limit.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where `npm run demo` lists the cases it opened (`CROSSFLOW_DEMO_MANIFEST` moves it, e.g. for a test's stack). */
export const demoManifestPath = (): string =>
  process.env.CROSSFLOW_DEMO_MANIFEST ?? join(ROOT, ".data", "demo-cases.jsonl");

export interface VerifyTarget {
  workerUrl: string;
  apiToken: string;
  db: MetricsDatabase;
  /** Extra cases to include (e.g. the demo's manifest). */
  knownCases?: readonly { workflow: string; caseKey: string }[];
}

export interface VerifyReport {
  cases: number;
  /** Of them, demo history cases, recounted from the trail the history kept (no case object holds them). */
  historyCases: number;
  mismatches: string[];
  /** Per workflow × version, the recounted KPIs (for the printout). */
  groups: TallyGroup[];
  /** Per workflow × version, the recounted value measures (conversion, drop-out, money moved). */
  value: ValueTally[];
  /**
   * Cases whose stored row carries no value measures although their workflow declares them: reported before the
   * measures existed (a closed case is not reported again). Left out of the value recount, and counted here.
   */
  unmeasured: number;
}

interface CaseView {
  header: {
    caseKey: string;
    workflowId: string;
    workflowVersion: number;
    status: CaseStatus;
    openedAt: number;
    closedAt: number | null;
  };
}

async function api<T>(target: VerifyTarget, path: string): Promise<T | null> {
  const res = await fetch(`${target.workerUrl}/api${path}`, {
    headers: { authorization: `Bearer ${target.apiToken}` },
  });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`GET /api${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** One case as its own records tell it: the header plus facts measured from its audit trail. */
async function recountCase(
  target: VerifyTarget,
  workflow: string,
  caseKey: string,
): Promise<(CaseRow & { caseId: string }) | null> {
  const path = `/cases/${encodeURIComponent(workflow)}/${encodeURIComponent(caseKey)}`;
  const [view, audit] = await Promise.all([
    api<CaseView>(target, path),
    api<{ entries: AuditEntry[] }>(target, `${path}/audit`),
  ]);
  if (!view || !audit) return null;
  const h = view.header;
  const measures = CATALOGUE.find((w) => w.id === h.workflowId && w.version === h.workflowVersion) ?? {
    minutesPerCase: 0,
  };
  const facts = caseFacts(h.status, audit.entries, measures);
  return {
    caseId: `${h.workflowId}/${h.caseKey}`,
    workflowId: h.workflowId,
    workflowVersion: h.workflowVersion,
    status: h.status,
    openedAt: h.openedAt,
    closedAt: h.closedAt,
    humanTouch: facts.humanDecisions > 0,
    ...facts,
  };
}

const FIGURES = (g: TallyGroup) => {
  const { exceptionMix, ...rest } = kpisOf(g.tally);
  return { ...rest, exceptionMix: JSON.stringify(exceptionMix) };
};

function compare(label: string, expected: TallyGroup[], actual: TallyGroup[], mismatches: string[]): void {
  const key = (g: TallyGroup) =>
    `${g.workflowId}@v${g.version}${g.day !== undefined ? ` day ${new Date(g.day * 86_400_000).toISOString().slice(0, 10)}` : ""}`;
  const dashboard = new Map(actual.map((g) => [key(g), g]));
  for (const g of expected) {
    const d = dashboard.get(key(g));
    dashboard.delete(key(g));
    if (!d) {
      mismatches.push(`${label} ${key(g)}: ${g.tally.opened} cases recounted, none in the dashboard's rollups`);
      continue;
    }
    const want = FIGURES(g);
    const got = FIGURES(d);
    for (const [name, value] of Object.entries(want)) {
      if (got[name as keyof typeof got] !== value)
        mismatches.push(
          `${label} ${key(g)} ${name}: case records say ${value}, dashboard says ${got[name as keyof typeof got]}`,
        );
    }
    for (const field of COUNT_FIELDS)
      if (g.tally[field] !== d.tally[field])
        mismatches.push(
          `${label} ${key(g)} ${field}: case records say ${g.tally[field]}, rollups say ${d.tally[field]}`,
        );
  }
  for (const [k, d] of dashboard)
    if (d.tally.opened !== 0)
      mismatches.push(`${label} ${k}: the dashboard counts ${d.tally.opened} cases the case records do not have`);
}

/**
 * Measures recounted from the cases against their rollups, per workflow × version: every figure a manager reads
 * (`figuresOf`) must be equal, and the rollups may hold no workflow version the cases do not.
 */
function compareMeasures<T extends { workflowId: string; version: number; cases: number }>(
  label: string,
  expected: readonly T[],
  actual: readonly T[],
  figuresOf: (t: T) => object,
  mismatches: string[],
): void {
  const key = (t: T) => `${t.workflowId}@v${t.version}`;
  const dashboard = new Map(actual.map((t) => [key(t), t]));
  for (const t of expected) {
    const d = dashboard.get(key(t));
    dashboard.delete(key(t));
    const want = figuresOf(t) as Record<string, unknown>;
    const got = d ? (figuresOf(d) as Record<string, unknown>) : null;
    for (const [name, value] of Object.entries(want)) {
      const a = JSON.stringify(value);
      const b = got ? JSON.stringify(got[name]) : "nothing";
      if (a !== b) mismatches.push(`${label} ${key(t)} ${name}: case records say ${a}, dashboard says ${b}`);
    }
  }
  for (const [k, d] of dashboard)
    mismatches.push(`${label} ${k}: the dashboard measures ${d.cases} cases the case records do not have`);
}

/**
 * @example
 * const report = await verifyKpis({ workerUrl, apiToken, db });
 * if (report.mismatches.length) process.exit(1);
 */
export async function verifyKpis(target: VerifyTarget): Promise<VerifyReport> {
  const range = { fromDay: 0, toDay: 1_000_000 };
  const groupings: [string, GroupKey[]][] = [
    ["per version", ["workflow", "version"]],
    ["per day", ["workflow", "version", "day"]],
  ];
  // The cases the database knows and every rollup, read at one moment: a case opened in between (the demo's trickle
  // opens one every few seconds) would otherwise be in the rollups and not in the list, or the other way round.
  const stored = await readAtRest(target.db, async (db) => ({
    known: await db.all<{ workflow_id: string; case_key: string }>(sql`SELECT workflow_id, case_key FROM cases`),
    tallies: await Promise.all(groupings.map(([, by]) => tallyFromRollups(db, range, by))),
    surveyed: await satisfactionFromRollups(db, range),
    unmeasured: await db.all<{ case_id: string }>(sql`SELECT case_id FROM cases WHERE succeeded IS NULL`),
    value: await valueFromRollups(db, range),
    talked: await conversationFromRollups(db, range),
  }));
  const history = await recountHistory(target.db);
  const historyIds = new Set([...history.cases.map((c) => c.caseId), ...history.broken]);
  const ids = new Map<string, { workflow: string; caseKey: string }>();
  for (const r of stored.known)
    ids.set(`${r.workflow_id}/${r.case_key}`, { workflow: r.workflow_id, caseKey: r.case_key });
  for (const c of target.knownCases ?? []) ids.set(`${c.workflow}/${c.caseKey}`, c);
  for (const id of historyIds) ids.delete(id);
  const cases = [...ids.values()];
  const found = await mapLimit(cases, 16, (c) => recountCase(target, c.workflow, c.caseKey));
  const mismatches: string[] = history.broken.map(
    (id) => `demo history case ${id}: its kept audit trail has no opening`,
  );
  found.forEach((row, i) => {
    if (!row) mismatches.push(`case ${cases[i]!.workflow}/${cases[i]!.caseKey}: no such case behind the case API`);
  });
  const recounted = [...found.filter((row) => row !== null), ...history.cases];
  let perVersion: TallyGroup[] = [];
  groupings.forEach(([label, by], i) => {
    const expected = tallyFromCases(recounted, range, by);
    if (label === "per version") perVersion = expected;
    compare(label, expected, stored.tallies[i]!, mismatches);
  });
  // Customer satisfaction after resolution: the surveys' figures from the trails against satisfaction_rollups.
  mismatches.push(...satisfactionMismatches(satisfactionFromCases(recounted, range), stored.surveyed));
  const unmeasuredIds = new Set(stored.unmeasured.map((r) => r.case_id));
  const measured = recounted.filter((c) => !(unmeasuredIds.has(c.caseId) && "succeeded" in c));
  const value = valueFromCases(measured, range);
  compareMeasures("value", value, stored.value, valueFiguresOf, mismatches);
  const conversation = conversationFromCases(recounted, range);
  compareMeasures("conversation", conversation, stored.talked, conversationFiguresOf, mismatches);
  return {
    cases: recounted.length,
    historyCases: history.cases.length,
    mismatches,
    groups: perVersion,
    value,
    unmeasured: recounted.length - measured.length,
  };
}

/**
 * Runs `read` until no case row changed while it ran (at most 20 times; then the last read is returned), so what it
 * reads holds together: the rollups move only with case rows, in the same transaction (their triggers). A case row's
 * every write raises its revision or adds or removes a row, which the fingerprint sees. Reads only: a read transaction
 * over HTTP would hold a stream open, and a write one would stop the metrics writer meanwhile.
 */
export async function readAtRest<T>(db: MetricsDatabase, read: (db: MetricsDatabase) => Promise<T>): Promise<T> {
  const fingerprint = async () =>
    JSON.stringify(
      await db.all(sql`SELECT count(*) AS n, total(revision) AS revisions, max(updated_at) AS latest FROM cases`),
    );
  for (let attempt = 1; ; attempt++) {
    const before = await fingerprint();
    const value = await read(db);
    if ((await fingerprint()) === before || attempt === 20) return value;
  }
}

/** Repeats the verification while cases are still moving, up to `settleMs`. */
export async function verifySettled(target: VerifyTarget, settleMs: number): Promise<VerifyReport> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const report = await verifyKpis(target);
    if (report.mismatches.length === 0 || Date.now() >= deadline) return report;
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

export function readDemoManifest(file = demoManifestPath()): { workflow: string; caseKey: string }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { workflow: string; caseKey: string });
}

const pct = (n: number | null) => (n === null ? "-" : `${(n * 100).toFixed(1)}%`);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const settle = process.argv.includes("--settle") ? Number(process.argv[process.argv.indexOf("--settle") + 1]) : 30;
  const dbUrl = process.env.TURSO_DATABASE_URL ?? devVar("TURSO_DATABASE_URL");
  if (!dbUrl) {
    console.error("kpi:verify needs TURSO_DATABASE_URL (or `npm start` running, which writes it to .dev.vars)");
    process.exit(2);
  }
  const target: VerifyTarget = {
    workerUrl: process.env.WORKER_URL ?? `http://127.0.0.1:${process.env.WORKER_PORT ?? 8787}`,
    apiToken: firstSecret(process.env.CROSSFLOW_API_TOKEN ?? devVar("CROSSFLOW_API_TOKEN")),
    db: openDatabase({ url: dbUrl, authToken: process.env.TURSO_AUTH_TOKEN ?? devVar("TURSO_AUTH_TOKEN") }),
    knownCases: readDemoManifest(),
  };
  const report = await verifySettled(target, settle * 1000);
  const fromTrails = report.historyCases
    ? ` (${report.historyCases} of them demo history, from their kept trails)`
    : "";
  console.log(`kpi:verify: ${report.cases} cases recounted from the case API${fromTrails}`);
  console.table(
    report.groups.map((g) => {
      const k = kpisOf(g.tally);
      return {
        workflow: g.workflowId,
        version: g.version,
        opened: k.casesOpened,
        autonomous: pct(k.autonomousResolutionRate),
        escalation: pct(k.escalationRate),
        "sla breach": pct(k.slaBreachRate),
        error: pct(k.errorRate),
        "median to resolve": duration(k.medianMinutesToResolution),
        "hours saved": k.hoursSaved,
      };
    }),
  );
  if (report.unmeasured > 0)
    console.log(
      `${report.unmeasured} case(s) reported before their workflow's value measures existed: not in the business results`,
    );
  if (report.value.length > 0) {
    console.log("Business results (value measures), recounted:");
    console.table(
      report.value.map((t) => {
        const v = valueFiguresOf(t);
        return {
          workflow: t.workflowId,
          version: t.version,
          cases: v.cases,
          succeeded: v.succeeded,
          "success rate": pct(v.successRate),
          "drop-out": pct(v.dropOutRate),
          "mean to success": duration(v.meanMinutesToSuccess),
          money: v.money.map((m) => money(m.minor, m.currency)).join(" + ") || "-",
        };
      }),
    );
  }
  if (report.mismatches.length) {
    console.error(`${report.mismatches.length} mismatch(es):\n${report.mismatches.join("\n")}`);
    process.exit(1);
  }
  console.log("0 mismatches: the dashboard's figures equal the case records'");
}
