/**
 * The metrics path on Cloudflare: case objects send batches to the metrics queue; the queue's consumer (and the
 * dead-letter queue's) run in this worker and write to Turso; a daily cron prunes raw events past retention and signs
 * the manifest of audit chain heads.
 * Without a queue binding (some tests) case objects write to the database directly.
 */
import { databaseFrom, databaseSource, type MetricsDatabase } from "../../../db/client.ts";
import { checkAlerts } from "../../alerts/check.ts";
import { lastFullDay, writeDailyManifest } from "../../metrics/audit-manifest.ts";
import {
  consumeMetrics,
  databaseDelivery,
  type MetricsDelivery,
  parkExhaustedMetrics,
  type QueueMessage,
  queueDelivery,
} from "../../metrics/index.ts";
import { pruneRawEvents, retentionDays } from "../../metrics/retention.ts";
import { log } from "../../observability/index.ts";
import { evaluateAutonomy } from "../../rollouts/autonomy.ts";
import { checkRollouts, checkSoon } from "../../rollouts/check.ts";
import { deadLetterStore } from "./dead-letter-store.ts";
import type { Env } from "./env.ts";

/** The metrics queue's dead-letter queue (wrangler.toml `dead_letter_queue`). */
export const METRICS_DLQ = "crossflow-metrics-dlq";

/** A client for the metrics database, new per use (db/client.ts `databaseFrom` says why). */
const database = (env: Env): MetricsDatabase | null =>
  databaseFrom({ url: env.TURSO_DATABASE_URL, authToken: env.TURSO_AUTH_TOKEN });

/**
 * The queue in production. `METRICS_DELIVERY = "direct"` (set by the local stack for `wrangler dev`) writes to the
 * database instead, as Deno does: `wrangler dev`'s local queue holds messages in workerd's memory only, so a restart of
 * the local runtime (a reload on a source change, a crash, a kill) dropped batches the case objects had already handed
 * over and deleted from their outboxes. Written directly, a batch leaves the outbox only once libSQL has it.
 */
export function metricsDelivery(env: Env): MetricsDelivery | null {
  const direct = (env as { METRICS_DELIVERY?: string }).METRICS_DELIVERY === "direct";
  if (env.METRICS_QUEUE && !direct) return queueDelivery(env.METRICS_QUEUE);
  const db = database(env);
  if (!db) return null;
  const written = databaseDelivery(db);
  const soon = rolloutCheckSoon(env);
  return {
    deliver: async (batch) => {
      await written.deliver(batch);
      // Awaited: work left running after the case's alarm returns may be cancelled with its I/O context. The check
      // runs at most every few seconds per isolate, and never fails the delivery (it logs its own errors).
      await soon();
    },
  };
}

const checks = new Map<string, () => Promise<unknown> | null>();

/** The isolate's throttled guard check for a database (workers/rollouts/check.ts `checkSoon`). */
function rolloutCheckSoon(env: Env): () => Promise<unknown> | null {
  const source = databaseSource({ url: env.TURSO_DATABASE_URL, authToken: env.TURSO_AUTH_TOKEN });
  if (!source) return () => null;
  let soon = checks.get(source.key);
  if (!soon) {
    soon = checkSoon(source, env as unknown as Record<string, unknown>, { runtime: "cloudflare" });
    checks.set(source.key, soon);
  }
  return soon;
}

/**
 * Every minute (wrangler.toml `crons`): the rollout guards of every canary, the autonomy evidence of every declared
 * action (the metrics writer judges the actions a batch touches at once; this catches what it could not), and the
 * admins' alert rules.
 */
export async function checkRolloutGuards(env: Env): Promise<void> {
  const db = database(env);
  if (!db) return;
  await Promise.all([
    checkRollouts(db, { config: env as unknown as Record<string, unknown>, runtime: "cloudflare" }),
    evaluateAutonomy(db, Date.now()),
    // The admins' alert rules, told to Slack or email once per crossing (workers/alerts/check.ts).
    checkAlerts(db, { config: env as unknown as Record<string, unknown>, now: Date.now() }),
  ]);
}

export async function handleMetricsQueue(
  batch: { queue: string; messages: readonly QueueMessage[] },
  env: Env,
): Promise<void> {
  if (batch.queue === METRICS_DLQ) {
    await parkExhaustedMetrics(batch.messages, deadLetterStore(env));
    return;
  }
  const db = database(env);
  await consumeMetrics(batch.messages, { db, deadLetters: deadLetterStore(env) });
  // The batch is in: a canary's guards may have new evidence.
  if (db) await rolloutCheckSoon(env)();
}

export async function pruneMetrics(env: Env, now = Date.now()): Promise<void> {
  const db = database(env);
  if (!db) return;
  const pruned = await pruneRawEvents(db, { olderThanDays: retentionDays(env.METRICS_RETENTION_DAYS), now });
  log.info("metrics retention: pruned raw events", { pruned });
}

/** Signs the manifest of the last full UTC day before `now` (the cron's scheduled time), once per day. */
export async function signAuditManifest(env: Env, now = Date.now()): Promise<void> {
  const db = database(env);
  if (!db) return;
  if (!env.AUDIT_SIGNING_KEY) {
    log.warn("audit manifest: AUDIT_SIGNING_KEY is not set; no daily manifest of audit chain heads is signed");
    return;
  }
  const signed = await writeDailyManifest(db, env.AUDIT_SIGNING_KEY, lastFullDay(now), now);
  log.info(
    "audit manifest",
    signed ? { day: signed.day, cases: signed.cases } : { day: lastFullDay(now), alreadySigned: true },
  );
}
