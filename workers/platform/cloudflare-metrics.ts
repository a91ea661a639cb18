/**
 * The metrics path on Cloudflare: case objects send batches to the metrics queue; the queue's consumer (and the
 * dead-letter queue's) run in this worker and write to Turso; a cron prunes raw events past retention.
 * Without a queue binding (some tests) case objects write to the database directly.
 */
import { openDatabase, type MetricsDatabase } from "../../db/client.ts";
import type { Env } from "../env.ts";
import { consumeMetrics, databaseDelivery, parkExhaustedMetrics, queueDelivery, type MetricsDelivery, type QueueMessage } from "../metrics/index.ts";
import { pruneRawEvents, retentionDays } from "../metrics/retention.ts";
import { deadLetterStore } from "./cloudflare-dead-letters.ts";
import { log } from "../observability/index.ts";

/** The metrics queue's dead-letter queue (wrangler.toml `dead_letter_queue`). */
export const METRICS_DLQ = "crossflow-metrics-dlq";

const database = (env: Env): MetricsDatabase | null => (env.TURSO_DATABASE_URL ? openDatabase({ url: env.TURSO_DATABASE_URL, authToken: env.TURSO_AUTH_TOKEN }) : null);

export function metricsDelivery(env: Env): MetricsDelivery | null {
  if (env.METRICS_QUEUE) return queueDelivery(env.METRICS_QUEUE);
  const db = database(env);
  return db ? databaseDelivery(db) : null;
}

export async function handleMetricsQueue(batch: { queue: string; messages: readonly QueueMessage[] }, env: Env): Promise<void> {
  if (batch.queue === METRICS_DLQ) {
    await parkExhaustedMetrics(batch.messages, deadLetterStore(env));
    return;
  }
  await consumeMetrics(batch.messages, { db: database(env), deadLetters: deadLetterStore(env) });
}

export async function pruneMetrics(env: Env, now = Date.now()): Promise<void> {
  const db = database(env);
  if (!db) return;
  const pruned = await pruneRawEvents(db, { olderThanDays: retentionDays(env.METRICS_RETENTION_DAYS), now });
  log.info("metrics retention: pruned raw events", { pruned });
}
