/**
 * Each workflow's baseline before automation, as an admin entered it: how the work went when people did it by hand
 * (minutes per case, error rate, drop-out, conversion, what an hour of their time costs). The workflow page compares
 * the measured figures with it (db/kpi/baseline.ts). Append-only: a change is a new version with who made it, when
 * and why, so every figure the dashboard ever compared against stays on record; the newest version is in force.
 */
import { integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const workflowBaselines = sqliteTable(
  "workflow_baselines",
  {
    workflowId: text("workflow_id").notNull(),
    /** 1, 2, ... per workflow. */
    version: integer("version").notNull(),
    /** A person's minutes on one case when handled by hand. */
    minutesPerCase: real("minutes_per_case").notNull(),
    /** Share (0–1) of cases handled by hand that went wrong (reversed, corrected, complained about). */
    errorRate: real("error_rate").notNull(),
    /** Share (0–1) of customers who gave up before the end; null: not known or not applicable. */
    dropOutRate: real("drop_out_rate"),
    /** Share (0–1) of cases that reached the workflow's success; null: not known or not applicable. */
    conversionRate: real("conversion_rate"),
    /** What an hour of the people's time costs, in minor units of `currency`. */
    costPerHourMinor: integer("cost_per_hour_minor").notNull(),
    /** Upper-case ISO 4217 code. */
    currency: text("currency").notNull(),
    /** `person:<name>`: who entered it. */
    who: text("who").notNull(),
    why: text("why").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.version] })],
);
