/**
 * The case list: the `cases` summary rows the case objects keep current, filtered by what the URL says, newest
 * first, a page at a time (keyset on opened time and case id, so new cases arriving do not shift the pages).
 */
import { and, desc, eq, gte, lt, or, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
// Relative paths like kpis.ts: its unit test (case-list.test.ts) loads it outside Vite's aliases.
import type { MetricsDatabase } from "../../../../db/client.ts";
import { CASE_STATUSES, type CaseStatus, cases, dailyRollups, exceptionRollups } from "../../../../db/schema.ts";
import { exceptionWords } from "../../../../workers/workflows/catalogue.ts";
import type { Counted } from "../drill.ts";
import { DAY_MS } from "./kpis.ts";

export const PAGE_SIZE = 50;
/** Counting matches stops here: past it the page says "more than". */
const COUNT_CAP = 10_000;

/** `none`: cases without an exception (on their routine path so far). */
export const NO_EXCEPTION = "none";

/**
 * What a figure on the overview, workflow and readiness pages counts, as a filter: each one is the same condition on
 * a case row as the rollup triggers' (db/kpi/recount.ts `addCase`), so a list filtered by it over the same opened
 * days has exactly the figure's count. `waiting-person` is the inbox's mark (approvals pending as well as escalations).
 */
export const COUNTED = {
  autonomous: { label: "resolved autonomously", where: sql`${cases.status} = 'resolved' AND ${cases.humanTouch} = 0` },
  "with-help": { label: "resolved with help", where: sql`${cases.status} = 'resolved' AND ${cases.humanTouch} = 1` },
  resolved: { label: "resolved", where: sql`${cases.status} = 'resolved'` },
  escalated: { label: "ever escalated", where: sql`${cases.escalated} = 1` },
  "waiting-person": { label: "waiting on a person", where: sql`${cases.awaitingPerson} = 1` },
  "in-flight": { label: "in flight (not ended)", where: sql`${cases.status} NOT IN ('resolved', 'failed')` },
  errored: { label: "hit an error", where: sql`${cases.errored} = 1` },
  failed: { label: "failed", where: sql`${cases.status} = 'failed'` },
  exception: { label: "off the routine path", where: sql`${cases.exception} IS NOT NULL` },
  "handed-to-person": { label: "handed to a person", where: sql`${cases.handedToPerson} = 1` },
  "sla-breached": { label: "waited past an SLA", where: sql`${cases.slaBreaches} > 0` },
} as const satisfies Record<Counted, { label: string; where: SQL }>;
export const COUNTED_NAMES = Object.keys(COUNTED) as [Counted, ...Counted[]];

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), "not a date");
/** What the list's URL may carry; each field is checked on its own so one bad value does not drop the others. */
const FIELDS = {
  q: z.string().trim().min(1).max(200),
  workflow: z.string().min(1).max(100),
  status: z.enum(CASE_STATUSES),
  exception: z.string().min(1).max(200),
  version: z.coerce.number().int().positive(),
  counted: z.enum(COUNTED_NAMES),
  from: day,
  to: day,
  before: z
    .string()
    .regex(/^\d+~.+$/)
    .max(500),
};

export interface CaseFilters {
  q?: string;
  workflow?: string;
  status?: CaseStatus;
  exception?: string;
  version?: number;
  /** What a dashboard figure counts (see `COUNTED`). */
  counted?: Counted;
  /** Opened on or after this UTC day (YYYY-MM-DD). */
  from?: string;
  /** Opened on or before this UTC day. */
  to?: string;
  /** The cursor: the last row of the previous page, `<openedAt>~<caseId>`. */
  before?: string;
}

/** The filters from the URL, and the names of those whose value was not understood (ignored, and said so). */
export function parseFilters(params: URLSearchParams): { filters: CaseFilters; invalid: string[] } {
  const filters: Record<string, unknown> = {};
  const invalid: string[] = [];
  for (const [name, schema] of Object.entries(FIELDS)) {
    const raw = params.get(name);
    if (raw === null || raw === "") continue;
    const parsed = schema.safeParse(raw);
    if (parsed.success) filters[name] = parsed.data;
    else invalid.push(name);
  }
  return { filters: filters as CaseFilters, invalid };
}

export interface CaseListRow {
  caseId: string;
  caseKey: string;
  workflowId: string;
  workflowVersion: number;
  status: CaseStatus;
  exception: string | null;
  /** What the workflow calls that exception (its catalogue's words), or null when it declares none for it. */
  exceptionWords: string | null;
  outcome: string | null;
  openedAt: number;
  updatedAt: number;
  closedAt: number | null;
  humanDecisions: number;
  /** Part of the local demo history (`npm start`'s 30 days): no case object holds it; its page is a generated summary. */
  history: boolean;
}

export interface CasePage {
  rows: CaseListRow[];
  /** Cursor of the next (older) page, or null on the last one. */
  next: string | null;
  /** Matching cases, up to `COUNT_CAP`; `capped` when there are more. */
  total: number;
  capped: boolean;
}

function conditions(f: CaseFilters, withCursor: boolean): SQL | undefined {
  const where: (SQL | undefined)[] = [];
  // instr over lower(): a plain substring match, so `%` and `_` in what people type are not wildcards.
  if (f.q) where.push(sql`instr(lower(${cases.caseKey}), ${f.q.toLowerCase()}) > 0`);
  if (f.workflow) where.push(eq(cases.workflowId, f.workflow));
  if (f.status) where.push(eq(cases.status, f.status));
  if (f.exception)
    where.push(f.exception === NO_EXCEPTION ? sql`${cases.exception} IS NULL` : eq(cases.exception, f.exception));
  if (f.version) where.push(eq(cases.workflowVersion, f.version));
  if (f.counted) where.push(COUNTED[f.counted].where);
  if (f.from) where.push(gte(cases.openedAt, Date.parse(`${f.from}T00:00:00Z`)));
  if (f.to) where.push(lt(cases.openedAt, Date.parse(`${f.to}T00:00:00Z`) + DAY_MS));
  if (withCursor && f.before) {
    const cut = f.before.indexOf("~");
    const openedAt = Number(f.before.slice(0, cut));
    const caseId = f.before.slice(cut + 1);
    where.push(or(lt(cases.openedAt, openedAt), and(eq(cases.openedAt, openedAt), lt(cases.caseId, caseId))));
  }
  return and(...where);
}

/**
 * One page of cases matching `filters`, newest first.
 * @example const page = await listCases(db, { status: "escalated", workflow: "refund-dispute" });
 */
export async function listCases(db: MetricsDatabase, filters: CaseFilters, pageSize = PAGE_SIZE): Promise<CasePage> {
  const [found, counted] = await Promise.all([
    db
      .select({
        caseId: cases.caseId,
        caseKey: cases.caseKey,
        workflowId: cases.workflowId,
        workflowVersion: cases.workflowVersion,
        status: cases.status,
        exception: cases.exception,
        outcome: cases.outcome,
        openedAt: cases.openedAt,
        updatedAt: cases.updatedAt,
        closedAt: cases.closedAt,
        humanDecisions: cases.humanDecisions,
        // A key lookup per listed row (a page at most): the demo history's cases are marked in the list.
        history: sql<number>`EXISTS (SELECT 1 FROM demo_history WHERE demo_history.case_id = "cases"."case_id")`,
      })
      .from(cases)
      .where(conditions(filters, true))
      .orderBy(desc(cases.openedAt), desc(cases.caseId))
      .limit(pageSize + 1),
    db.get<{ n: number }>(
      sql`SELECT count(*) AS n FROM (SELECT 1 FROM ${cases} WHERE ${conditions(filters, false) ?? sql`1`} LIMIT ${COUNT_CAP + 1})`,
    ),
  ]);
  const rows = found.slice(0, pageSize).map((r) => ({
    ...r,
    openedAt: Number(r.openedAt),
    updatedAt: Number(r.updatedAt),
    closedAt: r.closedAt === null ? null : Number(r.closedAt),
    history: Boolean(r.history),
    exceptionWords: r.exception === null ? null : exceptionWords(r.workflowId, r.exception),
  }));
  const last = rows.at(-1);
  const total = Number(counted?.n ?? 0);
  return {
    rows,
    next: found.length > pageSize && last ? `${last.openedAt}~${last.caseId}` : null,
    total: Math.min(total, COUNT_CAP),
    capped: total > COUNT_CAP,
  };
}

/** Rows one export holds at most; the file says when there were more. */
export const EXPORT_CAP = COUNT_CAP;

/**
 * Every case matching `filters` (up to `EXPORT_CAP`), newest first, for the CSV export: the list's own conditions,
 * so the file holds the rows the list counts.
 * @example const { rows, capped } = await exportCases(db, { counted: "escalated", workflow: "refund-dispute" });
 */
export async function exportCases(
  db: MetricsDatabase,
  filters: CaseFilters,
): Promise<{ rows: CaseListRow[]; capped: boolean }> {
  const { rows } = await listCases(db, { ...filters, before: undefined }, EXPORT_CAP + 1);
  return { rows: rows.slice(0, EXPORT_CAP), capped: rows.length > EXPORT_CAP };
}

export interface FilterOptions {
  workflows: string[];
  versions: { workflowId: string; version: number }[];
  /** Each exception type with what its workflow calls it (null: no words declared). */
  exceptions: { type: string; words: string | null }[];
}

/** What the filter menus offer, from the rollup tables (small: one row per workflow × version × day). */
export async function filterOptions(db: MetricsDatabase): Promise<FilterOptions> {
  const [versions, exceptions] = await Promise.all([
    db
      .selectDistinct({ workflowId: dailyRollups.workflowId, version: dailyRollups.workflowVersion })
      .from(dailyRollups)
      .orderBy(dailyRollups.workflowId, dailyRollups.workflowVersion),
    db
      .selectDistinct({ workflowId: exceptionRollups.workflowId, exception: exceptionRollups.exception })
      .from(exceptionRollups)
      .orderBy(exceptionRollups.exception),
  ]);
  // A type several workflows share (`no-reply`) is one choice, named by the first workflow that has words for it.
  const words = new Map<string, string | null>();
  for (const e of exceptions)
    if (!words.get(e.exception)) words.set(e.exception, exceptionWords(e.workflowId, e.exception));
  return {
    workflows: [...new Set(versions.map((v) => v.workflowId))],
    versions: versions.map((v) => ({ workflowId: v.workflowId, version: Number(v.version) })),
    exceptions: [...words].map(([type, w]) => ({ type, words: w })),
  };
}
