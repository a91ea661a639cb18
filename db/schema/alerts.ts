/**
 * Alerts an admin sets per workflow: when its escalation or error rate over a recent window moves beyond a threshold,
 * or its people's tasks pass their SLA, a message goes to a Slack channel or an email address, once per crossing.
 * - `alert_rules`: the rule and its state (firing since when, whether that crossing was told, the last figure).
 * - `alert_notices`: each crossing and each return below the threshold, with what was sent (or why it was not).
 */
import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const ALERT_METRICS = ["escalation_rate", "error_rate", "sla_breached"] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];
export const ALERT_CHANNELS = ["slack", "email"] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];

export const alertRules = sqliteTable(
  "alert_rules",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    workflowId: text("workflow_id").notNull(),
    metric: text("metric", { enum: ALERT_METRICS }).notNull(),
    /** A rate as a fraction (0.2 = 20 %) for the rates; a number of breaches for `sla_breached`. */
    threshold: real("threshold").notNull(),
    /** The recent window the figure is measured over (cases opened in it; breaches recorded in it). */
    windowMinutes: integer("window_minutes").notNull(),
    /** A rate over fewer cases opened in the window is not judged (one escalation of two cases is not 50 %). */
    minCases: integer("min_cases").notNull(),
    channel: text("channel", { enum: ALERT_CHANNELS }).notNull(),
    /** A Slack channel (`#ops-alerts`) or an email address. */
    target: text("target").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    /** Set while the figure is beyond the threshold: when it crossed. */
    firingSince: integer("firing_since"),
    /** When this crossing's message was delivered (null while firing: not yet, tried again each minute). */
    notifiedAt: integer("notified_at"),
    lastValue: real("last_value"),
    lastCheckedAt: integer("last_checked_at"),
    lastError: text("last_error"),
  },
  (t) => [index("alert_rules_workflow_idx").on(t.workflowId)],
);

export const alertNotices = sqliteTable(
  "alert_notices",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    ruleId: integer("rule_id").notNull(),
    at: integer("at").notNull(),
    /** `fired` (crossed the threshold), `notified` (its message delivered), `cleared` (back within it). */
    kind: text("kind", { enum: ["fired", "notified", "cleared"] }).notNull(),
    value: real("value"),
    /** What was sent, or why sending failed. */
    detail: text("detail"),
  },
  (t) => [index("alert_notices_rule_idx").on(t.ruleId, t.at)],
);
