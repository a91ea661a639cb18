export { consumeMetrics, METRICS_DEAD_LETTER_SOURCE, parkExhaustedMetrics, type QueueMessage } from "./consumer.ts";
export {
  batchingDelivery,
  databaseDelivery,
  MAX_MESSAGE_BYTES,
  type MetricsDelivery,
  type MetricsQueue,
  queueDelivery,
  splitForQueue,
} from "./delivery.ts";
export {
  type CaseFacts,
  CaseFactsFold,
  type CaseSnapshot,
  caseFacts,
  dayOf,
  decisionMinutes,
  METRIC_KINDS,
  type MetricBatch,
  type MetricEvent,
  ttrBucketMinutes,
  type WorkflowMeasures,
} from "./facts.ts";
export { parseMetricBatch } from "./message.ts";
export { MetricsGapError } from "./numbering.ts";
export { latestSnapshots, writeMetricBatches } from "./sink.ts";
