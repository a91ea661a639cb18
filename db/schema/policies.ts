/**
 * Policies as data: every version of a workflow's declared policies (a refund cap, an approval threshold), as admins
 * saved them. Append-only: a change is a new version, a rollback a new version equal to an older one (`rollbackOf`).
 * The version in force at a moment is the one with the latest `effective_from` not after it (db/policies.ts).
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const policyVersions = sqliteTable(
  "policy_versions",
  {
    workflowId: text("workflow_id").notNull(),
    /** The policy's name as the workflow declares it (`refund-limits`). */
    name: text("name").notNull(),
    /** 1, 2, ... per workflow and name (0 is the declared defaults, never stored). */
    version: integer("version").notNull(),
    /** The policy's value (JSON), checked against the declared schema before it is written. */
    value: text("value", { mode: "json" }).notNull(),
    /** From when (ms) cases that read the policy get this version. */
    effectiveFrom: integer("effective_from").notNull(),
    /** `person:<name>` or `key:<id>`: who saved it. */
    who: text("who").notNull(),
    why: text("why").notNull(),
    /** The older version this one restores, when it is a rollback. */
    rollbackOf: integer("rollback_of"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workflowId, t.name, t.version] }),
    index("policy_versions_effective_idx").on(t.workflowId, t.name, t.effectiveFrom),
  ],
);
