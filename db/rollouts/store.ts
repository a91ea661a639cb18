/**
 * Rollout policies in the metrics database: read by the worker (cached for a few seconds, workers/rollouts), changed
 * by the case API, `npm run rollout`, the dashboard and the scheduled guard check. Every change is one batch: the
 * policy row moves only from the revision the writer read, and the change log gets its hash-chained entry in the
 * same transaction, or neither happens.
 */
import { asc, desc, eq, sql } from "drizzle-orm";
import type { MetricsDatabase } from "../client.ts";
import { rolloutChanges, rolloutPolicies } from "../schema.ts";
import { chainHash, GENESIS_HASH, verifyChain } from "./chain.ts";
import { RolloutError, type RolloutPolicy, type RolloutPolicyInput, RolloutPolicySchema } from "./policy.ts";

export { RolloutError };

export interface StoredPolicy {
  workflowId: string;
  policy: RolloutPolicy;
  revision: number;
  /** When the candidate's current share took effect: its guards count cases opened since. */
  stepStartedAt: number;
  updatedAt: number;
  updatedBy: string;
}

export const ROLLOUT_ACTIONS = [
  "set",
  "halt",
  "promote",
  "resume",
  "auto-halt",
  "auto-promote",
  "promotion-proposed",
] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

export interface RolloutChange {
  id: number;
  workflowId: string;
  revision: number;
  at: number;
  actor: string;
  action: RolloutAction;
  reason: string;
  policy: RolloutPolicy | null;
  figures: unknown;
  prevHash: string;
  hash: string;
}

/** Parses a policy as given (defaults filled), or throws a RolloutError naming the first problems. */
export function parsePolicy(input: unknown): RolloutPolicy {
  const parsed = RolloutPolicySchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 4).map((i) => `${i.path.join(".") || "policy"}: ${i.message}`);
  throw new RolloutError("invalid_policy", issues.join("; "));
}

function storedOf(row: typeof rolloutPolicies.$inferSelect): StoredPolicy {
  return { ...row, policy: RolloutPolicySchema.parse(row.policy) };
}

export async function readPolicies(db: MetricsDatabase): Promise<StoredPolicy[]> {
  const rows = await db.select().from(rolloutPolicies).orderBy(asc(rolloutPolicies.workflowId));
  return rows.map(storedOf);
}

export async function readPolicy(db: MetricsDatabase, workflowId: string): Promise<StoredPolicy | null> {
  const [row] = await db.select().from(rolloutPolicies).where(eq(rolloutPolicies.workflowId, workflowId));
  return row ? storedOf(row) : null;
}

export async function readChanges(db: MetricsDatabase, workflowId: string, limit = 50): Promise<RolloutChange[]> {
  const rows = await db
    .select()
    .from(rolloutChanges)
    .where(eq(rolloutChanges.workflowId, workflowId))
    .orderBy(desc(rolloutChanges.id))
    .limit(limit);
  return rows.map((r) => ({ ...r, action: r.action as RolloutAction, policy: r.policy as RolloutPolicy | null }));
}

const hashedPart = (c: Omit<RolloutChange, "id" | "hash" | "prevHash">) => ({
  workflowId: c.workflowId,
  revision: c.revision,
  at: c.at,
  actor: c.actor,
  action: c.action,
  reason: c.reason,
  policy: c.policy,
  figures: c.figures ?? null,
});

/** Whether a workflow's change log is whole: null, or the first entry that was edited or removed. */
export async function verifyRolloutChanges(db: MetricsDatabase, workflowId: string) {
  const rows = await db
    .select()
    .from(rolloutChanges)
    .where(eq(rolloutChanges.workflowId, workflowId))
    .orderBy(asc(rolloutChanges.id));
  return verifyChain(rows, (r) =>
    hashedPart({ ...r, action: r.action as RolloutAction, policy: r.policy as RolloutPolicy | null }),
  );
}

export interface PolicyChange {
  workflowId: string;
  /** The revision the writer read (0: there was no policy); a different one in the database refuses the change. */
  expectedRevision: number;
  policy: RolloutPolicyInput | RolloutPolicy;
  actor: string;
  action: RolloutAction;
  reason: string;
  figures?: unknown;
  /** The candidate's share changed: its guards start counting again from `now`. */
  restartsStep: boolean;
  now: number;
}

/**
 * Writes a policy change and its log entry atomically.
 * @example await changePolicy(db, { workflowId: "refund-dispute", expectedRevision: 0, policy, actor: "person:ana", action: "set", reason: "v3 canary", restartsStep: true, now: Date.now() })
 */
export async function changePolicy(db: MetricsDatabase, change: PolicyChange): Promise<StoredPolicy> {
  if (!change.reason.trim()) throw new RolloutError("invalid_policy", "a change needs a reason");
  const policy = parsePolicy(change.policy);
  const current = await readPolicy(db, change.workflowId);
  const revision = current?.revision ?? 0;
  if (revision !== change.expectedRevision)
    throw new RolloutError(
      "stale_revision",
      `the policy of ${change.workflowId} is at revision ${revision}, not ${change.expectedRevision}: it changed meanwhile`,
    );
  const [last] = await db
    .select({ hash: rolloutChanges.hash })
    .from(rolloutChanges)
    .where(eq(rolloutChanges.workflowId, change.workflowId))
    .orderBy(desc(rolloutChanges.id))
    .limit(1);
  const prevHash = last?.hash ?? GENESIS_HASH;
  const entry = {
    workflowId: change.workflowId,
    revision: revision + 1,
    at: change.now,
    actor: change.actor,
    action: change.action,
    reason: change.reason.trim().slice(0, 500),
    policy,
    figures: change.figures ?? null,
  };
  const hash = await chainHash(prevHash, hashedPart(entry));
  const stepStartedAt = change.restartsStep || !current ? change.now : current.stepStartedAt;
  const row = {
    workflowId: change.workflowId,
    policy,
    revision: revision + 1,
    stepStartedAt,
    updatedAt: change.now,
    updatedBy: change.actor,
  };
  // The row moves only from the revision read; the log entry is written only when it did (changes() of the
  // statement before it), so two writers racing from one revision leave one change, not two.
  const move =
    revision === 0
      ? db.insert(rolloutPolicies).values(row).onConflictDoNothing()
      : db
          .update(rolloutPolicies)
          .set(row)
          .where(
            sql`${rolloutPolicies.workflowId} = ${change.workflowId} AND ${rolloutPolicies.revision} = ${revision}`,
          );
  const [moved] = await db.batch([
    move,
    db.run(
      sql`INSERT INTO ${rolloutChanges} (workflow_id, revision, at, actor, action, reason, policy, figures, prev_hash, hash)
          SELECT ${entry.workflowId}, ${entry.revision}, ${entry.at}, ${entry.actor}, ${entry.action}, ${entry.reason},
                 ${JSON.stringify(policy)}, ${JSON.stringify(entry.figures)}, ${prevHash}, ${hash}
          WHERE changes() = 1`,
    ),
  ]);
  if ((moved as { rowsAffected?: number }).rowsAffected !== 1)
    throw new RolloutError("stale_revision", `the policy of ${change.workflowId} changed meanwhile`);
  return { ...row, policy };
}
