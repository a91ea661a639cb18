/** One bucket of a trend: the figures of the cases opened in a day (or an hour), for sparklines and charts. */
import { kpisOf, type Tally } from "../../../../db/kpi/index.ts";

export const DAY_MS = 86_400_000;

/** One day's figures for a sparkline or a trend chart (counts only: cheap for every workflow at once). */
export interface DayPoint {
  day: number;
  /** The bucket's start in epoch seconds (a day, or an hour in the hourly series of a short period). */
  start: number;
  opened: number;
  resolvedAutonomous: number;
  resolvedHuman: number;
  awaitingHuman: number;
  failed: number;
  inProgress: number;
  autonomousRate: number | null;
  escalationRate: number | null;
  errorRate: number | null;
  hoursSaved: number;
}

export function dayPoint(day: number, t: Tally, withPerson: number, start = day * 86_400): DayPoint {
  const k = kpisOf(t);
  return {
    day,
    start,
    opened: t.opened,
    resolvedAutonomous: t.resolvedAutonomous,
    resolvedHuman: t.resolvedHuman,
    awaitingHuman: withPerson,
    failed: t.failed,
    // A case marked as waiting on a person has not ended, so it is one of the day's in-progress cases.
    inProgress: Math.max(0, k.inProgress - withPerson),
    autonomousRate: k.autonomousResolutionRate,
    escalationRate: k.escalationRate,
    errorRate: k.errorRate,
    hoursSaved: k.hoursSaved,
  };
}
