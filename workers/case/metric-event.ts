import type { MetricEvent } from "../metrics/index.ts";
import type { CaseHeader } from "./storage.ts";

/**
 * A metric event for a transition. Ids are deterministic, so every redelivery of the same transition is the same
 * row; `occurrence` tells apart transitions that may repeat (the n-th failed attempt of a step).
 */
export function metricFor(
  header: CaseHeader,
  kind: MetricEvent["kind"],
  at: number,
  extra: Partial<MetricEvent>,
  occurrence = "",
): MetricEvent {
  const id = [header.caseId, kind, extra.status ?? "", extra.stepId ?? "", occurrence].join("|");
  return {
    id,
    caseId: header.caseId,
    caseKey: header.caseKey,
    workflowId: header.workflowId,
    workflowVersion: header.workflowVersion,
    kind,
    at,
    humanTouch: false,
    ...extra,
  };
}
