export { writeMetricBatches } from "./sink.ts";
export {
  caseFacts,
  decisionMinutes,
  ttrBucketMinutes,
  dayOf,
  METRIC_KINDS,
  type CaseFacts,
  type CaseSnapshot,
  type MetricBatch,
  type MetricEvent,
  type WorkflowMeasures,
} from "./facts.ts";
export {
  queueDelivery,
  databaseDelivery,
  batchingDelivery,
  splitForQueue,
  MAX_MESSAGE_BYTES,
  type MetricsDelivery,
  type MetricsQueue,
} from "./delivery.ts";
export { parseMetricBatch } from "./message.ts";
export { consumeMetrics, parkExhaustedMetrics, METRICS_DEAD_LETTER_SOURCE, type QueueMessage } from "./consumer.ts";
