/**
 * Links from a figure to the cases behind it: the case list's own filters (dashboard/src/lib/server/case-list.ts)
 * over the same cohort as the figure, the cases opened on the period's days (UTC), so the list counts what the
 * figure counts.
 */
import { isoDay } from "./format.ts";

/** What a figure counts; the names of the case list's `counted` filter (case-list.ts `COUNTED`). */
export type Counted =
  | "autonomous"
  | "with-help"
  | "resolved"
  | "escalated"
  | "waiting-person"
  | "in-flight"
  | "errored"
  | "failed"
  | "exception"
  | "handed-to-person"
  | "sla-breached";

export interface Drill {
  period: { fromDay: number; toDay: number };
  workflow?: string;
  version?: number | null;
  counted?: Counted;
  exception?: string;
}

/**
 * @example
 * casesHref({ period, workflow: "refund-dispute", counted: "escalated" })
 * // "/cases?workflow=refund-dispute&counted=escalated&from=2026-11-02&to=2026-12-01"
 */
export function casesHref(d: Drill): string {
  const params = new URLSearchParams();
  if (d.workflow) params.set("workflow", d.workflow);
  if (d.version !== undefined && d.version !== null) params.set("version", String(d.version));
  if (d.counted) params.set("counted", d.counted);
  if (d.exception) params.set("exception", d.exception);
  params.set("from", isoDay(d.period.fromDay));
  params.set("to", isoDay(d.period.toDay));
  return `/cases?${params}`;
}
