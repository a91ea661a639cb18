/**
 * The metrics database (Turso / libSQL). Case objects write here; the dashboard reads here.
 * `metric_events` is the raw, idempotent log (one row per event id); `cases` is one row per case with
 * its current status, kept in step with the events so the dashboard never scans the raw log.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { CASE_STATUSES } from "../workers/engine/types.ts";

export { CASE_STATUSES, type CaseStatus } from "../workers/engine/types.ts";

export const metricEvents = sqliteTable(
  "metric_events",
  {
    /** Deterministic per case and transition, so a redelivered event is a no-op. */
    id: text("id").primaryKey(),
    /** `<workflow>/<case key>`. */
    caseId: text("case_id").notNull(),
    caseKey: text("case_key").notNull(),
    workflowId: text("workflow_id").notNull(),
    workflowVersion: integer("workflow_version").notNull(),
    /** `case.opened`, `case.status`, `step.completed`, `case.resolved`, `case.failed`, ... */
    kind: text("kind").notNull(),
    status: text("status", { enum: CASE_STATUSES }),
    stepId: text("step_id"),
    /** Epoch milliseconds when it happened in the case object. */
    at: integer("at").notNull(),
    durationMs: integer("duration_ms"),
    humanTouch: integer("human_touch", { mode: "boolean" }).notNull().default(false),
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>(),
    insertedAt: integer("inserted_at").notNull().default(sql`(unixepoch('subsec') * 1000)`),
  },
  (t) => [index("metric_events_case_idx").on(t.caseId, t.at), index("metric_events_workflow_idx").on(t.workflowId, t.at)],
);

export const cases = sqliteTable(
  "cases",
  {
    /** `<workflow>/<case key>`: the same customer may have a case in several workflows. */
    caseId: text("case_id").primaryKey(),
    caseKey: text("case_key").notNull(),
    workflowId: text("workflow_id").notNull(),
    workflowVersion: integer("workflow_version").notNull(),
    status: text("status", { enum: CASE_STATUSES }).notNull(),
    openedAt: integer("opened_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    closedAt: integer("closed_at"),
    outcome: text("outcome"),
    humanTouch: integer("human_touch", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [index("cases_workflow_status_idx").on(t.workflowId, t.status)],
);

export type MetricEventRow = typeof metricEvents.$inferInsert;
export type CaseRow = typeof cases.$inferSelect;
