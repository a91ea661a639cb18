/**
 * KPIs split by the policy versions a case decided under (`cases.policy_versions`, e.g. `refund-limits@2`), beside
 * the workflow version: one tally per (workflow version, policy versions) of the workflow's cases opened in the
 * period, counted by the same rules as the rollups (recount.ts `addCase`), in two grouped statements over `cases`.
 * Exceptions by type are not split (the overall and per-version views have them).
 */
import { and, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import type { MetricsDatabase } from "../client.ts";
import { TTR_BUCKET_SQL } from "../facts.ts";
import { cases } from "../schema.ts";
import { emptyTally, type Tally } from "./definitions.ts";
import type { KpiFilter } from "./rollups.ts";

const DAY_MS = 86_400_000;

export interface PolicyVersionTally {
  workflowVersion: number;
  /** `refund-limits@2` (several comma-separated), or null: the case read no policy (or began before any was read). */
  policyVersions: string | null;
  tally: Tally;
}

const key = (version: number, policies: string | null) => `${version}\u0000${policies ?? ""}`;

/**
 * @example
 * const rows = await tallyByPolicyVersion(db, { workflowId: "refund-dispute", fromDay, toDay });
 * rows.map((r) => [r.workflowVersion, r.policyVersions, kpisOf(r.tally).casesOpened]);
 */
export async function tallyByPolicyVersion(
  db: MetricsDatabase,
  filter: KpiFilter & { workflowId: string },
): Promise<PolicyVersionTally[]> {
  const where: SQL[] = [
    eq(cases.workflowId, filter.workflowId),
    gte(cases.openedAt, filter.fromDay * DAY_MS),
    lt(cases.openedAt, (filter.toDay + 1) * DAY_MS),
  ];
  if (filter.version !== undefined) where.push(eq(cases.workflowVersion, filter.version));
  const group = [cases.workflowVersion, cases.policyVersions] as const;
  const n = (expr: SQL) => sql<number>`coalesce(sum(${expr}), 0)`.mapWith(Number);
  const [counts, ttr] = await Promise.all([
    db
      .select({
        workflowVersion: cases.workflowVersion,
        policyVersions: cases.policyVersions,
        opened: sql<number>`count(*)`.mapWith(Number),
        resolvedAutonomous: n(sql`${cases.status} = 'resolved' AND ${cases.humanTouch} = 0`),
        resolvedHuman: n(sql`${cases.status} = 'resolved' AND ${cases.humanTouch} = 1`),
        failed: n(sql`${cases.status} = 'failed'`),
        awaitingHuman: n(sql`${cases.status} = 'escalated'`),
        escalated: n(sql`${cases.escalated}`),
        errored: n(sql`${cases.errored}`),
        withException: n(sql`${cases.exception} IS NOT NULL`),
        conversational: n(sql`${cases.asks} > 0`),
        judgment: n(sql`${cases.judgments} > 0`),
        humanDecisions: n(sql`${cases.humanDecisions}`),
        humanMinutes: n(sql`${cases.humanMinutes}`),
        exceptionMinutes: n(sql`CASE WHEN ${cases.exception} IS NOT NULL THEN ${cases.humanMinutes} ELSE 0 END`),
        minutesSaved: n(sql`${cases.minutesSaved}`),
        handedToPerson: n(sql`${cases.handedToPerson}`),
        slaBreached: n(sql`${cases.slaBreaches} > 0`),
      })
      .from(cases)
      .where(and(...where))
      .groupBy(...group),
    db
      .select({
        workflowVersion: cases.workflowVersion,
        policyVersions: cases.policyVersions,
        bucket: sql<number>`${sql.raw(TTR_BUCKET_SQL("(closed_at - opened_at)"))}`.mapWith(Number),
        cases: sql<number>`count(*)`.mapWith(Number),
      })
      .from(cases)
      .where(and(...where, eq(cases.status, "resolved"), sql`${cases.closedAt} IS NOT NULL`))
      .groupBy(...group, sql`3`),
  ]);
  const tallies = new Map<string, PolicyVersionTally>();
  for (const { workflowVersion, policyVersions, ...counted } of counts)
    tallies.set(key(workflowVersion, policyVersions), {
      workflowVersion,
      policyVersions,
      tally: Object.assign(emptyTally(), counted),
    });
  for (const row of ttr) {
    const t = tallies.get(key(row.workflowVersion, row.policyVersions))?.tally;
    t?.ttr.set(row.bucket, (t.ttr.get(row.bucket) ?? 0) + row.cases);
  }
  return [...tallies.values()].sort(
    (a, b) => a.workflowVersion - b.workflowVersion || (a.policyVersions ?? "").localeCompare(b.policyVersions ?? ""),
  );
}
