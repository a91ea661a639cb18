/**
 * Alert rules and their state in the metrics database: what an admin sets (dashboard, admin/alerts), what the minute
 * check measures against it (workers/alerts), and the once-per-crossing bookkeeping both sides share. A crossing is
 * claimed with a conditional update, so two runtimes checking the same minute tell it once.
 */
import { and, desc, eq, gte, isNotNull, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { MetricsDatabase } from "./client.ts";
import { ALERT_CHANNELS, ALERT_METRICS, alertNotices, alertRules } from "./schema/alerts.ts";
import { cases, metricEvents } from "./schema/metrics.ts";

export type AlertRule = typeof alertRules.$inferSelect;
export type AlertNotice = typeof alertNotices.$inferSelect;

/** A rule as an admin submits it; rates as fractions (0.2 = 20 %). */
export const AlertRuleInput = z
  .object({
    workflowId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,79}$/, "choose a workflow by its id"),
    metric: z.enum(ALERT_METRICS),
    threshold: z.number().positive("the threshold must be above 0"),
    windowMinutes: z
      .number()
      .int()
      .min(5, "the window is at least 5 minutes")
      .max(7 * 24 * 60, "at most 7 days"),
    minCases: z.number().int().min(1).max(100_000),
    channel: z.enum(ALERT_CHANNELS),
    target: z.string().trim().min(1).max(200),
    createdBy: z.string().min(1).max(200),
  })
  .superRefine((r, ctx) => {
    if (r.metric !== "sla_breached" && r.threshold >= 1)
      ctx.addIssue({ code: "custom", path: ["threshold"], message: "a rate threshold is below 100 %" });
    if (r.channel === "slack" && !/^#[a-z0-9][a-z0-9_-]{0,79}$/.test(r.target))
      ctx.addIssue({ code: "custom", path: ["target"], message: "a Slack channel is written #name" });
    if (r.channel === "email" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(r.target))
      ctx.addIssue({ code: "custom", path: ["target"], message: "an email address is written name@example.com" });
  });
export type AlertRuleInput = z.infer<typeof AlertRuleInput>;

/**
 * Adds a rule (validated); throws the zod error's first message as an `Error` otherwise.
 * @example await addAlertRule(db, { workflowId: "refund-dispute", metric: "escalation_rate", threshold: 0.25, windowMinutes: 60, minCases: 10, channel: "slack", target: "#ops-alerts", createdBy: "admin" });
 */
export async function addAlertRule(db: MetricsDatabase, input: AlertRuleInput, now = Date.now()): Promise<AlertRule> {
  const rule = AlertRuleInput.parse(input);
  const [row] = await db
    .insert(alertRules)
    .values({ ...rule, createdAt: now })
    .returning();
  return row!;
}

export async function listAlertRules(db: MetricsDatabase): Promise<AlertRule[]> {
  return db.select().from(alertRules).orderBy(alertRules.workflowId, alertRules.id);
}

/** Switches a rule on or off; a rule switched off forgets its crossing (switched on again, it starts afresh). */
export async function setAlertRuleEnabled(db: MetricsDatabase, id: number, enabled: boolean): Promise<boolean> {
  const changed = await db
    .update(alertRules)
    .set({ enabled, ...(enabled ? {} : { firingSince: null, notifiedAt: null }) })
    .where(eq(alertRules.id, id))
    .returning({ id: alertRules.id });
  return changed.length > 0;
}

export async function deleteAlertRule(db: MetricsDatabase, id: number): Promise<boolean> {
  const removed = await db.delete(alertRules).where(eq(alertRules.id, id)).returning({ id: alertRules.id });
  return removed.length > 0;
}

/** The newest notices of every rule (for the admin page). */
export async function recentAlertNotices(db: MetricsDatabase, limit = 50): Promise<AlertNotice[]> {
  return db.select().from(alertNotices).orderBy(desc(alertNotices.at), desc(alertNotices.id)).limit(limit);
}

/** A rule's figure now: the value, and how many cases it rests on (a rate over too few is not judged). */
export interface AlertFigure {
  value: number;
  cases: number;
  judged: boolean;
}

/**
 * The rule's figure over its window ending `now`: escalated or errored cases among those opened in the window, or
 * the SLA breaches recorded in it.
 */
export async function measureAlert(
  db: MetricsDatabase,
  rule: Pick<AlertRule, "workflowId" | "metric" | "windowMinutes" | "minCases">,
  now: number,
): Promise<AlertFigure> {
  const since = now - rule.windowMinutes * 60_000;
  if (rule.metric === "sla_breached") {
    const [row] = await db
      .select({ n: sql<number>`count(*)` })
      .from(metricEvents)
      .where(
        and(
          eq(metricEvents.workflowId, rule.workflowId),
          eq(metricEvents.kind, "sla.breached"),
          gte(metricEvents.at, since),
        ),
      );
    const n = Number(row?.n ?? 0);
    return { value: n, cases: n, judged: true };
  }
  const column = rule.metric === "escalation_rate" ? cases.escalated : cases.errored;
  const [row] = await db
    .select({ opened: sql<number>`count(*)`, hits: sql<number>`coalesce(sum(${column}), 0)` })
    .from(cases)
    .where(and(eq(cases.workflowId, rule.workflowId), gte(cases.openedAt, since)));
  const opened = Number(row?.opened ?? 0);
  return { value: opened === 0 ? 0 : Number(row?.hits ?? 0) / opened, cases: opened, judged: opened >= rule.minCases };
}

/** Claims a crossing: true for exactly one caller (the rule was not firing), which then tells it. */
export async function claimCrossing(
  db: MetricsDatabase,
  rule: AlertRule,
  value: number,
  now: number,
): Promise<boolean> {
  const claimed = await db
    .update(alertRules)
    .set({ firingSince: now, notifiedAt: null, lastValue: value, lastCheckedAt: now, lastError: null })
    .where(and(eq(alertRules.id, rule.id), isNull(alertRules.firingSince)))
    .returning({ id: alertRules.id });
  if (claimed.length === 0) return false;
  await db.insert(alertNotices).values({ ruleId: rule.id, at: now, kind: "fired", value });
  return true;
}

/** Records that the crossing's message was delivered (once: a concurrent delivery of the same crossing is not counted twice). */
export async function recordDelivered(
  db: MetricsDatabase,
  rule: AlertRule,
  detail: string,
  now: number,
): Promise<void> {
  const marked = await db
    .update(alertRules)
    .set({ notifiedAt: now, lastError: null })
    .where(
      and(
        eq(alertRules.id, rule.id),
        eq(alertRules.firingSince, rule.firingSince ?? now),
        isNull(alertRules.notifiedAt),
      ),
    )
    .returning({ id: alertRules.id });
  if (marked.length > 0) await db.insert(alertNotices).values({ ruleId: rule.id, at: now, kind: "notified", detail });
}

/** Records a failed delivery; the next check tries again (the crossing stays untold). */
export async function recordDeliveryFailed(db: MetricsDatabase, rule: AlertRule, error: string): Promise<void> {
  await db
    .update(alertRules)
    .set({ lastError: error.slice(0, 500) })
    .where(eq(alertRules.id, rule.id));
}

/** The figure is back within the threshold: the rule may fire again on the next crossing. */
export async function clearCrossing(db: MetricsDatabase, rule: AlertRule, value: number, now: number): Promise<void> {
  const cleared = await db
    .update(alertRules)
    .set({ firingSince: null, notifiedAt: null, lastValue: value, lastCheckedAt: now })
    .where(and(eq(alertRules.id, rule.id), isNotNull(alertRules.firingSince)))
    .returning({ id: alertRules.id });
  if (cleared.length > 0) await db.insert(alertNotices).values({ ruleId: rule.id, at: now, kind: "cleared", value });
}

/** Notes the figure of a check that changed nothing. */
export async function recordChecked(db: MetricsDatabase, rule: AlertRule, value: number, now: number): Promise<void> {
  await db.update(alertRules).set({ lastValue: value, lastCheckedAt: now }).where(eq(alertRules.id, rule.id));
}

/** The enabled rules, for the minute check. */
export async function enabledAlertRules(db: MetricsDatabase): Promise<AlertRule[]> {
  return db.select().from(alertRules).where(eq(alertRules.enabled, true));
}
