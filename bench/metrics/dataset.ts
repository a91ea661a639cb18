/**
 * Builds (once, then reuses) a metrics database of about ten million events: 50 workflows, 2 versions each,
 * 90 days, ~11 events per case, from the synthetic case histories (db/kpi/synthetic.ts), through the committed
 * migrations, so the rollup triggers build the rollups as production's would. Loaded with raw prepared statements
 * in large transactions: this is setup, not the measured path.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "libsql";
import { pickScenario, seededRandom, syntheticCase } from "../../db/kpi/synthetic.ts";
import { applyMigrations } from "../../db/migrate.ts";
import { ROOT } from "../../scripts/stack.ts";

export const WORKFLOWS = 50;
export const DAYS = 90;
export const CASES_PER_WORKFLOW_DAY = 210;
const EXTRA_STEPS = 6;
/** The last day of the dataset: fixed, so the cached file stays valid across runs. */
export const LAST_DAY = Math.floor(Date.UTC(2026, 10, 1) / 86_400_000);

export interface Dataset {
  file: string;
  events: number;
  cases: number;
}

const EVENT_COLUMNS = [
  "id",
  "case_id",
  "case_key",
  "workflow_id",
  "workflow_version",
  "kind",
  "status",
  "step_id",
  "at",
  "duration_ms",
  "human_touch",
  "actor",
  "exception",
  "detail",
];
const CASE_COLUMNS = [
  "case_id",
  "case_key",
  "workflow_id",
  "workflow_version",
  "status",
  "opened_at",
  "updated_at",
  "closed_at",
  "outcome",
  "human_touch",
  "escalated",
  "errored",
  "exception",
  "asks",
  "judgments",
  "human_decisions",
  "human_minutes",
  "minutes_saved",
  "revision",
];
const insert = (table: string, columns: string[]) =>
  `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`;

export async function buildDataset(log: (line: string) => void): Promise<Dataset> {
  const dir = join(ROOT, "bench", ".tmp");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `metrics-${WORKFLOWS}wf-${DAYS}d-${CASES_PER_WORKFLOW_DAY}c-v3.db`);
  if (existsSync(file)) {
    // A dataset built before later migrations gets them now (their backfills fill any new rollup from `cases`).
    await applyMigrations({ url: pathToFileURL(file).href });
    const db = new Database(file, { readonly: true });
    const events = Number((db.prepare("SELECT count(*) AS n FROM metric_events").get() as { n: number }).n);
    const cases = Number((db.prepare("SELECT count(*) AS n FROM cases").get() as { n: number }).n);
    db.close();
    log(`dataset: reusing ${file} (${events.toLocaleString()} events, ${cases.toLocaleString()} cases)`);
    return { file, events, cases };
  }
  const building = `${file}.building`;
  rmSync(building, { force: true });
  await applyMigrations({ url: pathToFileURL(building).href });
  const db = new Database(building);
  db.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;");
  // Secondary indexes are built once at the end: far faster than maintaining them row by row.
  const indexes = db
    .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'metric_events' AND sql IS NOT NULL")
    .all() as { sql: string }[];
  for (const { sql } of indexes) db.exec(`DROP INDEX ${/INDEX\s+`?(\w+)`?/i.exec(sql)![1]}`);
  const insertEvent = db.prepare(insert("metric_events", EVENT_COLUMNS));
  const insertCase = db.prepare(insert("cases", CASE_COLUMNS));
  const random = seededRandom(2026);
  let events = 0;
  let cases = 0;
  const began = performance.now();
  for (let w = 0; w < WORKFLOWS; w++) {
    const workflowId = `workflow-${String(w).padStart(2, "0")}`;
    const measures = { minutesPerCase: 10 + (w % 7) * 5, minutesPerDecision: 8 };
    db.exec("BEGIN");
    for (let d = DAYS - 1; d >= 0; d--) {
      const dayStart = (LAST_DAY - d) * 86_400_000;
      for (let c = 0; c < CASES_PER_WORKFLOW_DAY; c++) {
        // Version 2 rolls out over the period: from none of the cases 90 days ago to all of them today.
        const version = random() < (DAYS - d) / DAYS ? 2 : 1;
        const { batches, final } = syntheticCase({
          workflowId,
          version,
          caseKey: `c${d}-${c}`,
          openedAt: dayStart + Math.floor(random() * 86_400_000),
          scenario: pickScenario(random),
          measures,
          random,
          extraSteps: EXTRA_STEPS,
        });
        for (const batch of batches) {
          for (const e of batch.events) {
            insertEvent.run(
              ...[
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
              ],
            );
            events++;
          }
        }
        const f = final;
        insertCase.run(
          ...[
            f.caseId,
            f.caseKey,
            f.workflowId,
            f.workflowVersion,
            f.status,
            f.openedAt,
            f.updatedAt,
            f.closedAt,
            f.outcome,
            f.humanTouch ? 1 : 0,
            f.escalated ? 1 : 0,
            f.errored ? 1 : 0,
            f.exception,
            f.asks,
            f.judgments,
            f.humanDecisions,
            f.humanMinutes,
            f.minutesSaved,
            f.revision,
          ],
        );
        cases++;
      }
    }
    db.exec("COMMIT");
    log(
      `dataset: ${w + 1}/${WORKFLOWS} workflows, ${events.toLocaleString()} events (${((performance.now() - began) / 1000).toFixed(0)} s)`,
    );
  }
  log("dataset: building the raw table's indexes");
  for (const { sql } of indexes) db.exec(sql);
  // No ANALYZE: a production database has no statistics either, and the plans in RESULTS.md must be its plans.
  db.close();
  renameSync(building, file);
  return { file, events, cases };
}
