/**
 * A canary's guards, read from the cases themselves: of the cases each version opened since the candidate's current
 * share took effect (the two ran side by side, so they met the same traffic), how does the candidate compare with the
 * baseline on each guarded metric, and what should happen now. The statistics are db/kpi/compare.ts's: Wilson
 * intervals, Newcombe's interval of the difference, order-statistic intervals of the median.
 */
import { and, eq, gte, inArray } from "drizzle-orm";
import type { MetricsDatabase } from "../client.ts";
import { medianInterval, newcombeDifference, wilsonInterval } from "../kpi/compare.ts";
import { emptyTally, percentileMinutes, type Tally } from "../kpi/definitions.ts";
import { addCase } from "../kpi/recount.ts";
import { cases } from "../schema.ts";
import { GUARD_LABELS, type Guard, type GuardMetric, nextStep, type RolloutPolicy } from "./policy.ts";
import type { StoredPolicy } from "./store.ts";

export interface Estimate {
  value: number | null;
  interval: { low: number; high: number } | null;
  sample: number;
}

export type GuardStatus = "breached" | "holding" | "waiting";

export interface GuardReading {
  metric: GuardMetric;
  label: string;
  unit: "rate" | "minutes";
  maxWorseBy: number;
  baseline: Estimate;
  candidate: Estimate;
  change: { difference: number; interval: { low: number; high: number } | null } | null;
  status: GuardStatus;
  /** Cases the side with fewer still needs before this guard may decide; 0 once both have enough. */
  casesNeeded: number;
}

export type RolloutVerdict = "halt" | "promote" | "propose-promotion" | "hold" | "none";

export interface GuardReport {
  workflowId: string;
  baseline: number;
  candidate: number | null;
  /** The candidate's share when read, and the step the verdict would move it to. */
  share: number;
  next: number | null;
  since: number;
  /** Cases each version opened since the step began, and of them those that have shown how they go (resolved, failed
   * or with a person): the guards and the sample a step needs count only the latter. */
  opened: { baseline: number; candidate: number };
  settled: { baseline: number; candidate: number };
  readings: GuardReading[];
  verdict: RolloutVerdict;
}

/**
 * A version's settled cases as the guards count them: the KPI tally, plus the cases whose proposals were all decided
 * and of those the ones with a rejection.
 */
interface Sample {
  tally: Tally;
  proposed: number;
  rejected: number;
}

const RATE_GUARDS: Record<
  Exclude<GuardMetric, "medianMinutesToResolution">,
  { successes: (s: Sample) => number; sample: (s: Sample) => number }
> = {
  errorRate: { successes: (s) => s.tally.errored, sample: (s) => s.tally.opened },
  escalationRate: { successes: (s) => s.tally.escalated, sample: (s) => s.tally.opened },
  rejectionRate: { successes: (s) => s.rejected, sample: (s) => s.proposed },
  slaBreachRate: { successes: (s) => s.tally.slaBreached, sample: (s) => s.tally.handedToPerson },
};

/**
 * One guard: `breached` only when, with at least `minimum` cases on each side, the 95 % interval of how much worse
 * the candidate is lies wholly beyond the limit; `holding` when there are enough cases and it does not.
 * @example readGuard({ metric: "rejectionRate", maxWorseBy: 0.1 }, v2, v3, 30).status // → "breached"
 */
export function readGuard(guard: Guard, baseline: Sample, candidate: Sample, minimum: number): GuardReading {
  const label = GUARD_LABELS[guard.metric];
  if (guard.metric === "medianMinutesToResolution") {
    const estimate = (s: Sample): Estimate => ({
      value: percentileMinutes(s.tally.ttr, 0.5),
      interval: medianInterval(s.tally.ttr),
      sample: [...s.tally.ttr.values()].reduce((sum, n) => sum + n, 0),
    });
    const a = estimate(baseline);
    const b = estimate(candidate);
    const casesNeeded = Math.max(0, minimum - Math.min(a.sample, b.sample));
    const change = a.value !== null && b.value !== null ? { difference: b.value - a.value, interval: null } : null;
    let status: GuardStatus = "waiting";
    if (casesNeeded === 0 && a.interval && b.interval)
      status = b.interval.low > a.interval.high + guard.maxWorseBy ? "breached" : "holding";
    return { ...guard, label, unit: "minutes", baseline: a, candidate: b, change, status, casesNeeded };
  }
  const def = RATE_GUARDS[guard.metric];
  const estimate = (s: Sample): Estimate => {
    const n = def.sample(s);
    return { value: n > 0 ? def.successes(s) / n : null, interval: wilsonInterval(def.successes(s), n), sample: n };
  };
  const a = estimate(baseline);
  const b = estimate(candidate);
  const change = newcombeDifference(
    { successes: def.successes(baseline), n: a.sample },
    { successes: def.successes(candidate), n: b.sample },
  );
  const casesNeeded = Math.max(0, minimum - Math.min(a.sample, b.sample));
  let status: GuardStatus = "waiting";
  if (casesNeeded === 0 && change) status = change.interval.low > guard.maxWorseBy ? "breached" : "holding";
  return { ...guard, label, unit: "rate", baseline: a, candidate: b, change, status, casesNeeded };
}

/**
 * What the scheduled check does with a canary: halt when a guard is breached; once every guard holds and the
 * candidate has the declared sample, move to the next step (or propose it, when promotion needs an admin).
 */
export function verdictOf(policy: RolloutPolicy, readings: readonly GuardReading[], candidateSettled: number) {
  if (policy.candidate === null || (policy.state !== "canary" && policy.state !== "awaiting-approval")) return "none";
  if (readings.some((r) => r.status === "breached")) return "halt";
  const proven = candidateSettled >= policy.minimumSample && readings.every((r) => r.status === "holding");
  if (!proven || nextStep(policy) === null) return "hold";
  if (policy.promotion === "automatic") return "promote";
  return policy.state === "awaiting-approval" ? "hold" : "propose-promotion";
}

/** Statuses of a case that has shown how it goes: ended, or handed to a person. */
const SETTLED = new Set(["resolved", "failed", "escalated"]);

function emptySample(): Sample {
  return { tally: emptyTally(), proposed: 0, rejected: 0 };
}

/**
 * The guards of a stored policy, read now.
 * @example const report = await readGuardReport(db, stored); report.verdict // → "halt"
 */
export async function readGuardReport(db: MetricsDatabase, stored: StoredPolicy): Promise<GuardReport> {
  const { policy, workflowId, stepStartedAt } = stored;
  const share =
    policy.candidate === null ? 0 : (policy.shares.find((s) => s.version === policy.candidate)?.percent ?? 0);
  const base = {
    workflowId,
    baseline: policy.baseline,
    candidate: policy.candidate,
    share,
    next: nextStep(policy),
    since: stepStartedAt,
  };
  if (policy.candidate === null)
    return {
      ...base,
      opened: { baseline: 0, candidate: 0 },
      settled: { baseline: 0, candidate: 0 },
      readings: [],
      verdict: "none",
    };
  const rows = await db
    .select()
    .from(cases)
    .where(
      and(
        eq(cases.workflowId, workflowId),
        inArray(cases.workflowVersion, [policy.baseline, policy.candidate]),
        gte(cases.openedAt, stepStartedAt),
      ),
    );
  const baseline = emptySample();
  const candidate = emptySample();
  const opened = { baseline: 0, candidate: 0 };
  for (const row of rows) {
    const isCandidate = row.workflowVersion === policy.candidate;
    const sample = isCandidate ? candidate : baseline;
    opened[isCandidate ? "candidate" : "baseline"]++;
    // Only cases that have shown how they go count: a case still running has had no chance to err or escalate, and a
    // proposal still waiting for its person is neither approved nor rejected yet.
    if (SETTLED.has(row.status)) addCase(sample.tally, row);
    if (row.proposals > 0 && !row.awaitingPerson) {
      sample.proposed++;
      if (row.proposalsRejected > 0) sample.rejected++;
    }
  }
  const readings = policy.guards.map((g) => readGuard(g, baseline, candidate, policy.minimumSample));
  return {
    ...base,
    opened,
    settled: { baseline: baseline.tally.opened, candidate: candidate.tally.opened },
    readings,
    verdict: verdictOf(policy, readings, candidate.tally.opened),
  };
}
