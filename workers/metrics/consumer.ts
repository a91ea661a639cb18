/**
 * The metrics queue's consumer: validates every message, writes the valid ones in one transaction, and answers the
 * queue per message. Malformed messages go to the dead letters with the reason (whole, never half-written); when the
 * database is unreachable every valid message is retried with backoff, and after the queue's last retry it lands
 * on the dead-letter queue, whose consumer parks it in the dead-letter store for replay. Nothing is dropped silently.
 */
import type { MetricsDatabase } from "../../db/client.ts";
import type { DeadLetterSink } from "../dead-letters/types.ts";
import { log } from "../observability/index.ts";
import type { MetricBatch } from "./facts.ts";
import { parseMetricBatch } from "./message.ts";
import { MetricsGapError } from "./numbering.ts";
import { writeMetricBatches } from "./sink.ts";

/** The dead-letter store's source name for metric batches (replay sends them back through the queue). */
export const METRICS_DEAD_LETTER_SOURCE = "metrics";

/** The parts of a Cloudflare Queue message the consumer uses. */
export interface QueueMessage {
  id: string;
  timestamp: Date;
  body: unknown;
  attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export interface ConsumerDeps {
  db: MetricsDatabase | null;
  deadLetters: DeadLetterSink;
  now?: () => number;
}

/**
 * 2, 4, 8, 16 seconds, then every 30 s: with the queue's 100 retries an outage of about 50 minutes is ridden out
 * inside the retries, and a short one costs at most 30 s of delay once the database is back.
 */
export const retryDelaySeconds = (attempts: number): number => Math.min(30, 2 ** Math.max(1, Math.min(attempts, 5)));

/**
 * @example
 * export default { queue: (batch, env) => consumeMetrics(batch.messages, { db, deadLetters }) };
 */
export async function consumeMetrics(
  messages: readonly QueueMessage[],
  deps: ConsumerDeps,
): Promise<{ written: number; deadLettered: number; retried: number }> {
  const now = deps.now ?? Date.now;
  const valid: { message: QueueMessage; batch: MetricBatch }[] = [];
  let deadLettered = 0;
  for (const message of messages) {
    const parsed = parseMetricBatch(message.body);
    if ("batch" in parsed) {
      valid.push({ message, batch: parsed.batch });
      continue;
    }
    await deps.deadLetters.add({
      source: METRICS_DEAD_LETTER_SOURCE,
      eventId: message.id,
      type: "metric.batch",
      reason: parsed.reason,
      receivedAt: now(),
      payload: message.body,
    });
    message.ack();
    deadLettered++;
  }
  if (valid.length === 0) return { written: 0, deadLettered, retried: 0 };
  try {
    if (!deps.db) throw new Error("TURSO_DATABASE_URL is not set");
    await writeMetricBatches(
      deps.db,
      valid.map((v) => v.batch),
    );
  } catch (error) {
    if (error instanceof MetricsGapError) {
      // The rest is stored; the held batches come back after the earlier batch of their case (out of order on the
      // queue, or still retrying) has had time to arrive.
      const held = new Set(error.held);
      valid.forEach(({ message }, i) => {
        if (held.has(i)) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
        else message.ack();
      });
      log.warn("metrics: batches wait for an earlier batch of their case, the queue will retry them", {
        batches: held.size,
        cases: error.cases,
      });
      return { written: valid.length - held.size, deadLettered, retried: held.size };
    }
    log.error("metrics: writing batches failed, the queue will retry", {
      batches: valid.length,
      cases: [...new Set(valid.map((v) => v.batch.snapshot.caseId))],
      error,
    });
    for (const { message } of valid) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return { written: 0, deadLettered, retried: valid.length };
  }
  for (const { message } of valid) message.ack();
  return { written: valid.length, deadLettered, retried: 0 };
}

/**
 * The dead-letter queue's consumer: a batch the database refused through every retry is kept, with its reason, in
 * the dead-letter store; `POST /api/dead-letters/:id/replay` sends it through the metrics queue again.
 */
export async function parkExhaustedMetrics(
  messages: readonly QueueMessage[],
  deadLetters: DeadLetterSink,
  now: () => number = Date.now,
): Promise<number> {
  for (const message of messages) {
    await deadLetters.add({
      source: METRICS_DEAD_LETTER_SOURCE,
      eventId: message.id,
      type: "metric.batch",
      reason: `the metrics database refused this batch through every retry (${message.attempts} attempts)`,
      receivedAt: now(),
      payload: message.body,
    });
    message.ack();
  }
  return messages.length;
}
