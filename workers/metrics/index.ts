export { writeMetrics, type CaseSnapshot, type MetricEvent } from "./sink.ts";
