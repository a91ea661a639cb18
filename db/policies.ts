/**
 * The versions of the workflows' policies (schema/policies.ts): what the workers read (every stored version, to pick
 * the one in force at each moment from a cache), each policy's history for the dashboard, and saving a new version.
 * A save names the newest version its author saw, so two admins editing at once cannot overwrite each other
 * silently: the second is told the policy moved on. Values are checked against the declared schema before they
 * reach here (db/ knows no workflow).
 */
import { and, desc, eq, gte, lt, sql } from "drizzle-orm";
import type { MetricsDatabase } from "./client.ts";
import { policyVersions } from "./schema.ts";

/** A saved version as stored. */
export type PolicyVersionRow = typeof policyVersions.$inferSelect;

/** A save that cannot be made as asked: safe to show the person. */
export class PolicyVersionError extends Error {
  override name = "PolicyVersionError";
  constructor(
    readonly code: "stale_version" | "version_not_found",
    message: string,
  ) {
    super(message);
  }
}

/**
 * Of `versions` (one policy's), the one in force at `at`: the latest `effectiveFrom` not after it (the higher version
 * when two take effect at the same moment), or null when none is yet (the declared defaults are in force).
 * @example versionInForce(rows, Date.now())?.version // → 3
 */
export function versionInForce<V extends { version: number; effectiveFrom: number }>(
  versions: readonly V[],
  at: number,
): V | null {
  let best: V | null = null;
  for (const v of versions) {
    if (v.effectiveFrom > at) continue;
    if (
      !best ||
      v.effectiveFrom > best.effectiveFrom ||
      (v.effectiveFrom === best.effectiveFrom && v.version > best.version)
    )
      best = v;
  }
  return best;
}

/** Every stored version of every policy (a handful per policy and quarter): what the workers' cache holds. */
export async function readPolicyVersions(db: MetricsDatabase) {
  return db
    .select({
      workflowId: policyVersions.workflowId,
      name: policyVersions.name,
      version: policyVersions.version,
      value: policyVersions.value,
      effectiveFrom: policyVersions.effectiveFrom,
    })
    .from(policyVersions);
}

/**
 * How often each workflow's rules changed: the policy versions that took effect in `[fromMs, toMs)`, by workflow
 * (readiness's "rule change frequency"; rollbacks count, since the rules changed again).
 * @example const changes = await policyChangesByWorkflow(db, Date.parse("2026-09-01"), Date.parse("2026-12-01")); changes.get("refund-dispute") // → 2
 */
export async function policyChangesByWorkflow(
  db: MetricsDatabase,
  fromMs: number,
  toMs: number,
): Promise<Map<string, number>> {
  const rows = await db
    .select({ workflowId: policyVersions.workflowId, changes: sql<number>`count(*)` })
    .from(policyVersions)
    .where(and(gte(policyVersions.effectiveFrom, fromMs), lt(policyVersions.effectiveFrom, toMs)))
    .groupBy(policyVersions.workflowId);
  return new Map(rows.map((r) => [r.workflowId, Number(r.changes)]));
}

/** One policy's versions, newest first, with who saved each, when and why. */
export async function policyHistory(
  db: MetricsDatabase,
  workflowId: string,
  name: string,
): Promise<PolicyVersionRow[]> {
  return db
    .select()
    .from(policyVersions)
    .where(and(eq(policyVersions.workflowId, workflowId), eq(policyVersions.name, name)))
    .orderBy(desc(policyVersions.version));
}

export interface NewPolicyVersion {
  workflowId: string;
  name: string;
  /** Already checked against the policy's declared schema. */
  value: unknown;
  effectiveFrom: number;
  who: string;
  why: string;
  /** The newest version the author saw (0: none was saved yet); the save is refused if another came since. */
  basedOn: number;
  /** The version this one restores (a rollback). */
  rollbackOf?: number;
  now: number;
}

/**
 * Saves `change` as the policy's next version.
 * @example const row = await savePolicyVersion(db, { workflowId: "refund-dispute", name: "refund-limits", value, effectiveFrom: Date.now(), who: "person:ana", why: "Q3 cap", basedOn: 2, now: Date.now() });
 */
export async function savePolicyVersion(db: MetricsDatabase, change: NewPolicyVersion): Promise<PolicyVersionRow> {
  const row: PolicyVersionRow = {
    workflowId: change.workflowId,
    name: change.name,
    version: change.basedOn + 1,
    value: change.value,
    effectiveFrom: change.effectiveFrom,
    who: change.who,
    why: change.why,
    rollbackOf: change.rollbackOf ?? null,
    createdAt: change.now,
  };
  // The primary key (workflow, name, version) lets exactly one save based on version n through.
  const [inserted] = await db.insert(policyVersions).values(row).onConflictDoNothing().returning();
  if (inserted) return inserted;
  const [latest] = await db
    .select({ version: sql<number>`max(${policyVersions.version})` })
    .from(policyVersions)
    .where(and(eq(policyVersions.workflowId, change.workflowId), eq(policyVersions.name, change.name)));
  throw new PolicyVersionError(
    "stale_version",
    `${change.name} was changed meanwhile (version ${latest?.version ?? "?"} is the newest, the change was based on ${change.basedOn}): review it and save again`,
  );
}

/**
 * A rollback: a new version equal to an older one, effective from `effectiveFrom`.
 * @example await rollBackPolicy(db, { workflowId, name, to: 1, who: "person:ana", why: "the new cap refused too many", basedOn: 3, effectiveFrom: now, now });
 */
export async function rollBackPolicy(
  db: MetricsDatabase,
  change: Omit<NewPolicyVersion, "value" | "rollbackOf"> & { to: number },
): Promise<PolicyVersionRow> {
  const [older] = await db
    .select()
    .from(policyVersions)
    .where(
      and(
        eq(policyVersions.workflowId, change.workflowId),
        eq(policyVersions.name, change.name),
        eq(policyVersions.version, change.to),
      ),
    );
  if (!older) throw new PolicyVersionError("version_not_found", `${change.name} has no version ${change.to}`);
  const { to, ...rest } = change;
  return savePolicyVersion(db, { ...rest, value: older.value, rollbackOf: to });
}
