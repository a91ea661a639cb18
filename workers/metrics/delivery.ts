/**
 * How a case object hands over its metric batches: to the metrics queue on Cloudflare (the consumer writes them to
 * Turso in batches), or straight to the database where there is no queue (Deno, local tests without one).
 * A delivery that throws leaves the events in the case's outbox for the next attempt.
 */
import type { MetricsDatabase } from "../../db/client.ts";
import { writeMetricBatches, type MetricBatch } from "./sink.ts";

export interface MetricsDelivery {
  deliver(batch: MetricBatch): Promise<void>;
}

/** The producer side of a Cloudflare Queue; `send` resolves once the queue has stored the message durably. */
export interface MetricsQueue {
  send(body: MetricBatch, options?: { contentType?: "json" }): Promise<unknown>;
}

/**
 * @example
 * const delivery = queueDelivery(env.METRICS_QUEUE);
 * await delivery.deliver({ events, snapshot });
 */
export function queueDelivery(queue: MetricsQueue): MetricsDelivery {
  return { deliver: async (batch) => void (await queue.send(batch, { contentType: "json" })) };
}

/**
 * @example
 * const delivery = databaseDelivery(openDatabase({ url }));
 */
export function databaseDelivery(db: MetricsDatabase): MetricsDelivery {
  return { deliver: (batch) => writeMetricBatches(db, [batch]) };
}
