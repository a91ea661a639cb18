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

/** Cloudflare Queues refuse messages over 128 KB; leave room for the envelope. */
export const MAX_MESSAGE_BYTES = 100 * 1024;

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength;

/**
 * Splits a batch into messages the queue accepts, each with the case's summary row. One event that is too large on
 * its own keeps its counted fields and loses its `detail` (marked as truncated) rather than blocking the outbox.
 * @example
 * for (const part of splitForQueue(batch)) await queue.send(part);
 */
export function splitForQueue(batch: MetricBatch, maxBytes = MAX_MESSAGE_BYTES): MetricBatch[] {
  if (bytes(batch) <= maxBytes) return [batch];
  if (batch.events.length <= 1) {
    const [event] = batch.events;
    const trimmed = event ? [{ ...event, detail: { truncated: true, bytes: bytes(event.detail ?? null) } }] : [];
    return [{ ...batch, events: trimmed }];
  }
  const half = Math.ceil(batch.events.length / 2);
  return [...splitForQueue({ ...batch, events: batch.events.slice(0, half) }, maxBytes), ...splitForQueue({ ...batch, events: batch.events.slice(half) }, maxBytes)];
}

/**
 * Each part is sent on its own (a part the queue has is durable); if one fails, the outbox sends them all again and
 * the event ids make the repeats no-ops.
 * @example
 * const delivery = queueDelivery(env.METRICS_QUEUE);
 * await delivery.deliver({ events, snapshot });
 */
export function queueDelivery(queue: MetricsQueue): MetricsDelivery {
  return {
    deliver: async (batch) => {
      for (const part of splitForQueue(batch)) await queue.send(part, { contentType: "json" });
    },
  };
}

/**
 * @example
 * const delivery = databaseDelivery(openDatabase({ url }));
 */
export function databaseDelivery(db: MetricsDatabase): MetricsDelivery {
  return { deliver: (batch) => writeMetricBatches(db, [batch]) };
}
