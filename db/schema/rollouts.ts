/**
 * Rollouts: which workflow version opens new cases, the guards that halt a worse one, how alone the agent may act,
 * and what a candidate did on recorded cases before it took any.
 * - `rollout_policies`: one row per workflow under a policy (without a row, the newest version takes every new case).
 * - `rollout_changes`: every change of a policy, by whom and why, hash-chained per workflow (tamper-evident).
 * - `autonomy_levels`, `autonomy_changes`: the level in force per workflow action, and its history (same chain).
 * - `action_outcomes`: per proposed or performed consequential action, what happened to it: the autonomy evidence.
 * - `shadow_reports`: a candidate version run over recorded cases, writes recorded but never sent.
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const rolloutPolicies = sqliteTable("rollout_policies", {
  workflowId: text("workflow_id").primaryKey(),
  /** The policy as db/rollouts/policy.ts `RolloutPolicy` (JSON, validated on every write). */
  policy: text("policy", { mode: "json" }).notNull(),
  /** Increases by one with every change: a writer that read revision n may only write n + 1. */
  revision: integer("revision").notNull(),
  /** When the candidate's current share took effect (ms): its guards count the cases opened since. */
  stepStartedAt: integer("step_started_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  updatedBy: text("updated_by").notNull(),
});

/** One shape for both change logs: an append-only, per-subject hash chain. */
export const rolloutChanges = sqliteTable(
  "rollout_changes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    workflowId: text("workflow_id").notNull(),
    /** The policy revision this change produced. */
    revision: integer("revision").notNull(),
    at: integer("at").notNull(),
    /** `person:<name>`, `key:<id>` or `guard` (the scheduled check). */
    actor: text("actor").notNull(),
    /** set, halt, promote, resume, remove, auto-halt, auto-promote, promotion-proposed */
    action: text("action").notNull(),
    reason: text("reason").notNull(),
    /** The policy after the change (null when it was removed). */
    policy: text("policy", { mode: "json" }),
    /** The figures a guard decision rested on (db/rollouts/guards.ts `GuardReport`). */
    figures: text("figures", { mode: "json" }),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [index("rollout_changes_workflow_idx").on(t.workflowId, t.id)],
);

export const autonomyLevels = sqliteTable(
  "autonomy_levels",
  {
    workflowId: text("workflow_id").notNull(),
    /** The consequential action as the workflow declares it (`refund`, `credit`, `activation`...). */
    action: text("action").notNull(),
    /** Index into the action's declared ladder (0 = its first rung, usually "always ask"). */
    level: integer("level").notNull(),
    /** The next rung the evidence supports, waiting for an admin; null when none is proposed. */
    proposedLevel: integer("proposed_level"),
    revision: integer("revision").notNull(),
    updatedAt: integer("updated_at").notNull(),
    updatedBy: text("updated_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.action] })],
);

export const autonomyChanges = sqliteTable(
  "autonomy_changes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    workflowId: text("workflow_id").notNull(),
    action: text("action").notNull(),
    at: integer("at").notNull(),
    actor: text("actor").notNull(),
    /** proposed, promoted, demoted */
    kind: text("kind").notNull(),
    fromLevel: integer("from_level").notNull(),
    toLevel: integer("to_level").notNull(),
    reason: text("reason").notNull(),
    evidence: text("evidence", { mode: "json" }),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [index("autonomy_changes_subject_idx").on(t.workflowId, t.action, t.id)],
);

export const actionOutcomes = sqliteTable(
  "action_outcomes",
  {
    caseId: text("case_id").notNull(),
    /** The step that proposed or performed it (with the tool call's index when a step made several). */
    stepId: text("step_id").notNull(),
    workflowId: text("workflow_id").notNull(),
    workflowVersion: integer("workflow_version").notNull(),
    action: text("action").notNull(),
    /** The autonomy level in force when the agent proposed or acted. */
    level: integer("level").notNull(),
    /** Minor units, when the action has an amount. */
    amount: integer("amount"),
    /** approved (unchanged), changed, rejected, alone (done without asking), reversed (undone after the fact) */
    outcome: text("outcome").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.caseId, t.stepId] }),
    index("action_outcomes_subject_idx").on(t.workflowId, t.action, t.at),
  ],
);

export const shadowReports = sqliteTable(
  "shadow_reports",
  {
    id: text("id").primaryKey(),
    workflowId: text("workflow_id").notNull(),
    candidateVersion: integer("candidate_version").notNull(),
    requestedBy: text("requested_by").notNull(),
    createdAt: integer("created_at").notNull(),
    /** Which recorded cases were replayed: `{ cases?: number; since?: number }`. */
    selection: text("selection", { mode: "json" }).notNull(),
    cases: integer("cases").notNull(),
    same: integer("same").notNull(),
    differentDecision: integer("different_decision").notNull(),
    differentAction: integer("different_action").notNull(),
    /** Cases the candidate could not run (a step failed in the sandbox). */
    failed: integer("failed").notNull(),
    /** The whole report: per case the differing steps side by side, the estimated KPIs beside production's. */
    report: text("report", { mode: "json" }).notNull(),
  },
  (t) => [index("shadow_reports_workflow_idx").on(t.workflowId, t.createdAt)],
);
