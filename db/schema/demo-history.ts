/**
 * The demo history `npm start` loads into an empty local database (scripts/demo-history/): which case rows are
 * history, so the dashboard can say so and `npm run demo:clear-history` can remove exactly them. Each row keeps the
 * case's story as the history generated it (its audit trail), since no case object holds a history case: the
 * dashboard shows it in place of the step journal, and `npm run kpi:verify` recounts the case from it.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const demoHistory = sqliteTable(
  "demo_history",
  {
    /** `<workflow>/<case key>`, as in `cases`. */
    caseId: text("case_id").primaryKey(),
    workflowId: text("workflow_id").notNull(),
    caseKey: text("case_key").notNull(),
    /** The seed the history was generated from (the same seed gives the same cases). */
    seed: integer("seed").notNull(),
    /** When the history was loaded (ms): its cases' times are moved back from this instant. */
    loadedAt: integer("loaded_at").notNull(),
    /** The case's audit trail as the case runtime wrote it: `{ at, actor, action, stepId?, detail? }[]`. */
    audit: text("audit", { mode: "json" }).$type<HistoryAuditEntry[]>().notNull(),
  },
  (t) => [index("demo_history_workflow_idx").on(t.workflowId)],
);

/** One audit entry of a history case, as kept (the chain's hashes are not: no case object anchors them). */
export interface HistoryAuditEntry {
  at: number;
  actor: { kind: string; id: string };
  action: string;
  stepId?: string;
  detail?: Record<string, unknown>;
}
