/** What people record in the dashboard beside the measurements: claims on the inbox's tasks, readiness thresholds. */
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Who is working an escalation or approval (claims are advisory: any authorised person may still decide). */
export const escalationClaims = sqliteTable("escalation_claims", {
  caseId: text("case_id").primaryKey(),
  stepId: text("step_id").notNull(),
  userId: text("user_id").notNull(),
  claimedAt: integer("claimed_at").notNull(),
});

/** Expansion-readiness thresholds an admin sets, per workflow (`*`: the default for all). */
export const readinessThresholds = sqliteTable("readiness_thresholds", {
  workflowId: text("workflow_id").primaryKey(),
  thresholds: text("thresholds", { mode: "json" }).$type<Record<string, number>>().notNull(),
  updatedBy: text("updated_by").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
