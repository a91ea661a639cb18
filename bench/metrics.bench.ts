/**
 * `npm run bench:metrics`: (1) bulk insert throughput of the metrics writer (`writeMetricBatches`, drizzle) from
 * one writer into a local libSQL file through the embedded client, and through the HTTP endpoint the workers use,
 * each as a ratio to raw prepared inserts in one transaction (the baseline, same run, same rows); (2) the
 * dashboard's KPI queries over ~10M generated events (50 workflows, 90 days) through the HTTP client, from the
 * rollups, with the raw-event fallback beside them and `SELECT 1` as the round-trip baseline; (3) each query's
 * plan. Writes its section of bench/RESULTS.md.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createClient, type InStatement } from "@libsql/client";
import { createClient as createWebClient } from "@libsql/client/web";
import { drizzle } from "drizzle-orm/libsql";
import { drizzle as drizzleWeb } from "drizzle-orm/libsql/web";
import Database from "libsql";
import { overview, workflowDetail } from "../dashboard/src/lib/server/kpis.ts";
import type { MetricsDatabase } from "../db/client.ts";
import { type KpiFilter, tallyFromRawEvents, tallyFromRollups } from "../db/kpi/index.ts";
import { pickScenario, seededRandom, syntheticCase } from "../db/kpi/synthetic.ts";
import { WRITER_PRAGMAS } from "../db/local-server/server.ts";
import { applyMigrations } from "../db/migrate.ts";
import * as schema from "../db/schema.ts";
import { freePort, ROOT, startLibsqlService } from "../scripts/stack.ts";
import { type CaseSnapshot, type MetricBatch, type MetricEvent, writeMetricBatches } from "../workers/metrics/index.ts";
import { buildDataset, DAYS, LAST_DAY } from "./metrics/dataset.ts";
import { machine, writeSection } from "./results.ts";

const INSERT_CASES = Number(process.env.BENCH_METRICS_INSERT_CASES ?? 20_000);
const QUERY_RUNS = Number(process.env.BENCH_METRICS_QUERY_RUNS ?? 40);
const RAW_RUNS = Number(process.env.BENCH_METRICS_RAW_RUNS ?? 3);
const TMP = join(ROOT, "bench", ".tmp");

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const ms = (v: number) => `${v.toFixed(1)} ms`;
const log = (line: string) => console.log(line);

async function freshDatabase(name: string): Promise<string> {
  mkdirSync(TMP, { recursive: true });
  const file = join(TMP, `${name}.db`);
  for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
  await applyMigrations({ url: pathToFileURL(file).href });
  return file;
}

/** ~11 events per case plus its summary row; delivered 1,000 events per transaction, as a queue batch would be. */
function insertWorkload(): { chunks: MetricBatch[][]; rows: number } {
  const random = seededRandom(11);
  const batches: MetricBatch[] = [];
  for (let i = 0; i < INSERT_CASES; i++) {
    const { batches: b } = syntheticCase({
      workflowId: `wf-${i % 50}`,
      version: 1,
      caseKey: `k${i}`,
      openedAt: Date.UTC(2026, 9, 1) + i * 1000,
      scenario: pickScenario(random),
      measures: { minutesPerCase: 20 },
      random,
      extraSteps: 6,
    });
    batches.push(...b);
  }
  const chunks: MetricBatch[][] = [];
  let chunk: MetricBatch[] = [];
  let events = 0;
  let rows = 0;
  for (const b of batches) {
    chunk.push(b);
    events += b.events.length;
    rows += b.events.length + 1;
    if (events >= 1000) {
      chunks.push(chunk);
      chunk = [];
      events = 0;
    }
  }
  if (chunk.length) chunks.push(chunk);
  return { chunks, rows };
}

const EVENT_COLUMNS =
  "id, case_id, case_key, workflow_id, workflow_version, kind, status, step_id, at, duration_ms, human_touch, actor, exception, detail";
const CASE_COLUMNS =
  "case_id, case_key, workflow_id, workflow_version, status, opened_at, updated_at, closed_at, outcome, human_touch, escalated, errored, exception, asks, judgments, human_decisions, human_minutes, minutes_saved, revision";
const eventArgs = (e: MetricEvent) => [
  e.id,
  e.caseId,
  e.caseKey,
  e.workflowId,
  e.workflowVersion,
  e.kind,
  e.status ?? null,
  e.stepId ?? null,
  e.at,
  e.durationMs ?? null,
  e.humanTouch ? 1 : 0,
  e.actor ?? null,
  e.exception ?? null,
  e.detail ? JSON.stringify(e.detail) : null,
];
const caseArgs = (s: CaseSnapshot) => [
  s.caseId,
  s.caseKey,
  s.workflowId,
  s.workflowVersion,
  s.status,
  s.openedAt,
  s.updatedAt,
  s.closedAt,
  s.outcome,
  s.humanTouch ? 1 : 0,
  s.escalated ? 1 : 0,
  s.errored ? 1 : 0,
  s.exception,
  s.asks,
  s.judgments,
  s.humanDecisions,
  s.humanMinutes,
  s.minutesSaved,
  s.revision,
];

async function insertThroughput() {
  const { chunks, rows } = insertWorkload();
  log(`insert: ${rows.toLocaleString()} rows (events + case rows) in ${chunks.length} transactions per path`);

  // Baseline: the same rows, raw prepared statements, one transaction per chunk, no ORM, no upsert logic.
  const rawFile = await freshDatabase("insert-raw");
  const raw = new Database(rawFile);
  raw.exec(WRITER_PRAGMAS);
  const params = (columns: string) =>
    columns
      .split(", ")
      .map(() => "?")
      .join(", ");
  const ev = raw.prepare(
    `INSERT INTO metric_events (${EVENT_COLUMNS}) VALUES (${params(EVENT_COLUMNS)}) ON CONFLICT (case_id, id) DO NOTHING`,
  );
  const cs = raw.prepare(`INSERT OR REPLACE INTO cases (${CASE_COLUMNS}) VALUES (${params(CASE_COLUMNS)})`);
  let began = performance.now();
  for (const chunk of chunks) {
    raw.exec("BEGIN");
    for (const { events, snapshot: s } of chunk) {
      for (const e of events) ev.run(...eventArgs(e));
      cs.run(...caseArgs(s));
    }
    raw.exec("COMMIT");
  }
  const rawSeconds = (performance.now() - began) / 1000;
  raw.close();

  // The ceiling: the same rows with what makes them exact taken away (events appended with no dedupe key, case rows
  // upserted with no rollup triggers), sent the writer's way (one JSON parameter per table and transaction): what
  // this machine's SQLite does for this row mix, not a path the product has.
  const ceilingFile = await freshDatabase("insert-ceiling");
  const ceiling = new Database(ceilingFile);
  ceiling.exec(WRITER_PRAGMAS);
  for (const { name } of ceiling
    .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases'")
    .all() as { name: string }[])
    ceiling.exec(`DROP TRIGGER "${name}"`);
  ceiling.exec("CREATE TABLE appended AS SELECT * FROM metric_events WHERE false");
  const unpack = (columns: string) =>
    columns
      .split(", ")
      .map((_, i) => `value ->> ${i}`)
      .join(", ");
  const appended = ceiling.prepare(
    `INSERT INTO appended (${EVENT_COLUMNS}) SELECT ${unpack(EVENT_COLUMNS)} FROM json_each(?)`,
  );
  const upserted = ceiling.prepare(
    `INSERT OR REPLACE INTO cases (${CASE_COLUMNS}) SELECT ${unpack(CASE_COLUMNS)} FROM json_each(?)`,
  );
  began = performance.now();
  for (const chunk of chunks) {
    const events = JSON.stringify(chunk.flatMap((b) => b.events.map(eventArgs)));
    const snapshots = JSON.stringify(chunk.map((b) => caseArgs(b.snapshot)));
    ceiling.exec("BEGIN");
    appended.run(events);
    upserted.run(snapshots);
    ceiling.exec("COMMIT");
  }
  const ceilingSeconds = (performance.now() - began) / 1000;
  ceiling.close();

  // The product's writer through the embedded client (a local file).
  const embeddedFile = await freshDatabase("insert-embedded");
  const embeddedClient = createClient({ url: pathToFileURL(embeddedFile).href });
  await embeddedClient.executeMultiple(WRITER_PRAGMAS);
  const embedded = drizzle(embeddedClient, { schema }) as unknown as MetricsDatabase;
  began = performance.now();
  for (const chunk of chunks) await writeMetricBatches(embedded, chunk);
  const embeddedSeconds = (performance.now() - began) / 1000;
  embeddedClient.close();

  // The product's writer through the HTTP endpoint (what the queue consumer does against Turso).
  const httpFile = await freshDatabase("insert-http");
  const endpoint = await startLibsqlService({ port: await freePort(), dataDir: TMP, file: httpFile, quiet: true });
  const http = drizzleWeb(createWebClient({ url: endpoint.url }), { schema });
  began = performance.now();
  for (const chunk of chunks) await writeMetricBatches(http, chunk);
  const httpSeconds = (performance.now() - began) / 1000;
  await endpoint.stop();

  return {
    rows,
    raw: rows / rawSeconds,
    ceiling: rows / ceilingSeconds,
    embedded: rows / embeddedSeconds,
    http: rows / httpSeconds,
  };
}

/** A web client that remembers every statement it sent, so the plans can be printed for exactly those. */
function recordingClient(url: string) {
  const client = createWebClient({ url });
  const statements: InStatement[] = [];
  const execute = client.execute.bind(client);
  (client as { execute: typeof client.execute }).execute = ((stmt: InStatement) => {
    statements.push(stmt);
    return execute(stmt);
  }) as typeof client.execute;
  return { client, statements };
}

async function timeRuns(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm the page cache and the connection
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    await fn();
    times.push(performance.now() - began);
  }
  return times;
}

async function queryLatency() {
  const dataset = await buildDataset(log);
  // The endpoint runs in its own process, as Turso runs apart from the dashboard: client and server do not share a thread.
  const server = await startLibsqlService({ port: await freePort(), dataDir: TMP, file: dataset.file, quiet: true });
  try {
    const { client, statements } = recordingClient(server.url);
    const db = drizzleWeb(client, { schema });
    const last30: KpiFilter = { fromDay: LAST_DAY - 29, toDay: LAST_DAY };
    const prev30: KpiFilter = { fromDay: LAST_DAY - 59, toDay: LAST_DAY - 30 };
    const all90: KpiFilter = { fromDay: LAST_DAY - DAYS + 1, toDay: LAST_DAY };
    const workflow = "workflow-07";
    // The statements the dashboard sends, with the parts each page asks for (db/kpi/rollups.ts `TallyParts`).
    const queries: { name: string; run: () => Promise<unknown> }[] = [
      {
        name: "overview: every workflow, last 30 days (counts + time to resolution)",
        run: () => tallyFromRollups(db, last30, ["workflow"], { ttr: true }),
      },
      {
        name: "overview: every workflow, previous 30 days (for the change)",
        run: () => tallyFromRollups(db, prev30, ["workflow"], { ttr: true }),
      },
      {
        name: "overview: every workflow per day, 30 days (sparklines, counts only)",
        run: () => tallyFromRollups(db, last30, ["workflow", "day"], {}),
      },
      {
        name: "workflow page: 90 days (counts, time to resolution, exception mix)",
        run: () => tallyFromRollups(db, { ...all90, workflowId: workflow }),
      },
      {
        name: "workflow page: per day, 90 days",
        run: () => tallyFromRollups(db, { ...all90, workflowId: workflow }, ["day"], {}),
      },
      {
        name: "workflow page: per version, 90 days",
        run: () => tallyFromRollups(db, { ...all90, workflowId: workflow }, ["version"]),
      },
    ];
    const trivial = await timeRuns(QUERY_RUNS, () => client.execute("SELECT 1"));
    const results = [];
    const plans: string[] = [];
    for (const q of queries) {
      statements.length = 0;
      const times = await timeRuns(QUERY_RUNS, q.run);
      results.push({ name: q.name, p50: percentile(times, 50), p95: percentile(times, 95) });
      // A tally is up to three statements (counts, time-to-resolution histogram, exception mix).
      for (const stmt of new Set(statements.map((st) => (typeof st === "string" ? st : st.sql)))) {
        const sent = statements.find((st) => (typeof st === "string" ? st : st.sql) === stmt)!;
        const { sql, args } = typeof sent === "string" ? { sql: sent, args: [] } : sent;
        const plan = await client.execute({ sql: `EXPLAIN QUERY PLAN ${sql}`, args: args as never });
        plans.push(
          `-- ${q.name}\n${sql.replace(/\s+/g, " ").trim()}\n${plan.rows.map((r) => `  ${String(r.detail)}`).join("\n")}`,
        );
      }
    }
    // Each page's whole load, as the dashboard runs it (dashboard/src/lib/server/kpis.ts).
    const overviewPage = await timeRuns(QUERY_RUNS, () => overview(db, { ...last30, days: 30 }));
    const workflowPage = await timeRuns(QUERY_RUNS, () =>
      workflowDetail(db, workflow, { ...all90, days: DAYS }, undefined),
    );
    const rawTimes = await timeRuns(RAW_RUNS, () => tallyFromRawEvents(db, { ...last30, workflowId: workflow }));
    return {
      dataset,
      trivial: percentile(trivial, 50),
      results,
      overview: { p50: percentile(overviewPage, 50), p95: percentile(overviewPage, 95) },
      workflowPage: { p50: percentile(workflowPage, 50), p95: percentile(workflowPage, 95) },
      raw: { p50: percentile(rawTimes, 50), p95: percentile(rawTimes, 95) },
      plans,
    };
  } finally {
    await server.stop();
  }
}

const inserts = await insertThroughput();
log(
  `insert rows/s: raw ${Math.round(inserts.raw)}, ceiling ${Math.round(inserts.ceiling)}, embedded writer ${Math.round(inserts.embedded)}, HTTP writer ${Math.round(inserts.http)}`,
);
const queries = await queryLatency();
for (const r of queries.results) log(`${r.name}: p50 ${ms(r.p50)}, p95 ${ms(r.p95)}`);
log(
  `overview page's load: p95 ${ms(queries.overview.p95)}; workflow page's load: p95 ${ms(queries.workflowPage.p95)}; raw fallback (one workflow, 30 days): p50 ${ms(queries.raw.p50)}`,
);

const k = (n: number) => `${Math.round(n).toLocaleString("en-US")}`;
writeSection(
  "metrics",
  `## Metrics pipeline (\`npm run bench:metrics\`)

Machine: ${machine()}. Command: \`npm run bench:metrics\` (dataset cached in \`bench/.tmp/\`; delete it to rebuild).

### Bulk insert, one writer (${k(inserts.rows)} rows: metric events plus one case row per case, 1,000 events per transaction)

| path | rows/s | ratio to baseline |
|---|---:|---:|
| baseline: raw prepared inserts (libsql, local file) | ${k(inserts.raw)} | 1.00 |
| \`writeMetricBatches\` (drizzle) → embedded client → local file | ${k(inserts.embedded)} | ${(inserts.embedded / inserts.raw).toFixed(2)} |
| \`writeMetricBatches\` (drizzle) → \`@libsql/client/web\` → local libSQL endpoint over HTTP (own process) | ${k(inserts.http)} | ${(inserts.http / inserts.raw).toFixed(2)} |
| ceiling, not a product path: the same rows appended with no dedupe key, case rows with no rollup triggers | ${k(inserts.ceiling)} | ${(inserts.ceiling / inserts.raw).toFixed(2)} |

Goal: ≥ 100,000 rows/s through the embedded client. The ceiling row is the machine's answer to that goal for this
row mix: what is left when the writer's exactness (the \`(case_id, id)\` key that makes a redelivery a no-op, the
triggers that keep the rollups) is taken away. All paths open the file with the endpoint's \`WRITER_PRAGMAS\`.

### Dashboard KPI queries over ${k(queries.dataset.events)} events, ${k(queries.dataset.cases)} cases (50 workflows × 2 versions, 90 days)

Through \`@libsql/client/web\` and the local endpoint (its own process); ${QUERY_RUNS} runs each after one warm-up. Round-trip baseline \`SELECT 1\`: p50 ${ms(queries.trivial)}.

| query (a tally is up to 3 statements: counts, time-to-resolution histogram, exception mix) | p50 | p95 |
|---|---:|---:|
${queries.results.map((r) => `| ${r.name} | ${ms(r.p50)} | ${ms(r.p95)} |`).join("\n")}
| overview page's whole load (\`overview()\`: the three above plus versions and agent models, in parallel) | ${ms(queries.overview.p50)} | ${ms(queries.overview.p95)} |
| workflow page's whole load (\`workflowDetail()\`) | ${ms(queries.workflowPage.p50)} | ${ms(queries.workflowPage.p95)} |
| raw-table fallback (\`tallyFromRawEvents\`, one workflow, 30 days; ${RAW_RUNS} runs) | ${ms(queries.raw.p50)} | ${ms(queries.raw.p95)} |

Goal: ≤ 50 ms p95 from the rollups.

### Query plans (\`EXPLAIN QUERY PLAN\` of the statements above)

\`\`\`
${queries.plans.join("\n\n")}
\`\`\`
`,
);
