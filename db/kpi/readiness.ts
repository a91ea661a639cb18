/**
 * Expansion readiness from measured data (../shared/FIELD.md): the assessment factors that say whether a workflow
 * needs an agent layer at all (Level 3) and the thresholds an admin sets for "measured enough, good enough: expand".
 * Pure: the dashboard feeds it KPIs from the rollups.
 */

import type { Kpis } from "./definitions.ts";
import { type ExceptionWords, exceptionWordsOf, matchesAnyStepPattern } from "./step-patterns.ts";

/** "1 version", "2 versions", "0 policy changes". */
const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

export interface ReadinessThresholds {
  /** Minimum autonomous resolution rate (0–1). */
  minAutonomousRate: number;
  /** Maximum escalation rate (0–1). */
  maxEscalationRate: number;
  /** Maximum error rate (0–1). */
  maxErrorRate: number;
  /** Cases measured before a verdict means anything. */
  minCases: number;
}

export const DEFAULT_THRESHOLDS: ReadinessThresholds = {
  minAutonomousRate: 0.7,
  maxEscalationRate: 0.15,
  maxErrorRate: 0.02,
  minCases: 100,
};

export interface Factor {
  name: string;
  /** The measured value as shown, e.g. "23.4 %". */
  measured: string;
  /** True when the factor is in FIELD.md's right-hand ("Level 3 needed") column. */
  level3: boolean;
  rule: string;
}

export interface Check {
  name: string;
  measured: string;
  threshold: string;
  pass: boolean;
}

export interface Readiness {
  factors: Factor[];
  /** Three or more factors in the right-hand column: recipe tools cannot sustainably automate it. */
  needsAgents: boolean;
  checks: Check[];
  ready: boolean;
  /** Why not yet (empty when ready). */
  reasons: string[];
}

export interface ReadinessInput {
  kpis: Kpis;
  /** Days the KPIs cover (for the monthly volume). */
  days: number;
  /** Workflow versions that opened cases in the period (rule change frequency). */
  versionsInPeriod: number;
  /** Policy versions that took effect in the period (rule change frequency: rules changed without a deploy). */
  policyChangesInPeriod?: number;
  /** Systems the workflow touches, as it declares them. */
  systems: readonly string[];
  /**
   * Exception types that are problems with the input data (step id patterns, `*` for any run of characters), as the
   * workflow declares them; the "data quality" factor is the share of cases whose exception is one. Absent: not declared.
   */
  inputProblems?: readonly string[];
  /** What the workflow calls its exceptions (its catalogue header), so a factor names them in words. */
  exceptionWords?: ExceptionWords;
}

const pct = (r: number | null) => (r === null ? "no cases" : `${(r * 100).toFixed(1)} %`);

/**
 * @example
 * const r = assessReadiness({ kpis, days: 30, versionsInPeriod: 1, policyChangesInPeriod: 2, systems: ["CRM", "billing"] }, DEFAULT_THRESHOLDS);
 */
export function assessReadiness(input: ReadinessInput, t: ReadinessThresholds): Readiness {
  const { kpis, days } = input;
  const perMonth = days > 0 ? Math.round((kpis.casesOpened * 30) / days) : 0;
  const policyChanges = input.policyChangesInPeriod ?? 0;
  const factors: Factor[] = [
    {
      name: "exception rate",
      measured: pct(kpis.exceptionRate),
      level3: (kpis.exceptionRate ?? 0) > 0.2,
      rule: "> 20 % needs agents; < 5 % a recipe is enough",
    },
    {
      name: "conversation required",
      measured: `${pct(kpis.conversationRate)} of cases ask the customer`,
      level3: (kpis.conversationRate ?? 0) > 0.05,
      rule: "more than 5 % of cases hold a conversation",
    },
    {
      name: "judgment decisions",
      measured: `${pct(kpis.judgmentRate)} of cases need an agent's judgment`,
      level3: (kpis.judgmentRate ?? 0) > 0.05,
      rule: "more than 5 % of cases need interpretation",
    },
    {
      name: "rule change frequency",
      measured: `${plural(input.versionsInPeriod, "version")} and ${plural(policyChanges, "policy change")} in ${days} days`,
      level3: (input.versionsInPeriod > 1 || policyChanges > 0) && days <= 92,
      rule: "a new version or a policy change within a quarter",
    },
    dataQuality(kpis, input.inputProblems, input.exceptionWords),
    {
      name: "systems involved",
      measured: `${input.systems.length} (${input.systems.join(", ") || "none declared"})`,
      level3: input.systems.length >= 4,
      rule: "4 or more systems",
    },
    {
      name: "volume",
      measured: `${perMonth.toLocaleString("en-US")} cases a month`,
      level3: perMonth >= 1000,
      rule: "thousands a month",
    },
  ];
  const checks: Check[] = [
    {
      name: "cases measured",
      measured: String(kpis.casesOpened),
      threshold: `≥ ${t.minCases}`,
      pass: kpis.casesOpened >= t.minCases,
    },
    {
      name: "autonomous resolution rate",
      measured: pct(kpis.autonomousResolutionRate),
      threshold: `≥ ${pct(t.minAutonomousRate)}`,
      pass: (kpis.autonomousResolutionRate ?? 0) >= t.minAutonomousRate,
    },
    {
      name: "escalation rate",
      measured: pct(kpis.escalationRate),
      threshold: `≤ ${pct(t.maxEscalationRate)}`,
      pass: kpis.escalationRate !== null && kpis.escalationRate <= t.maxEscalationRate,
    },
    {
      name: "error rate",
      measured: pct(kpis.errorRate),
      threshold: `≤ ${pct(t.maxErrorRate)}`,
      pass: kpis.errorRate !== null && kpis.errorRate <= t.maxErrorRate,
    },
  ];
  const reasons = checks.filter((c) => !c.pass).map((c) => `${c.name} ${c.measured}, needs ${c.threshold}`);
  return {
    factors,
    needsAgents: factors.filter((f) => f.level3).length >= 3,
    checks,
    ready: reasons.length === 0,
    reasons,
  };
}

/** "data quality": the share of cases that arrived with wrong, missing or mismatched data (their exception says so). */
function dataQuality(kpis: Kpis, patterns: readonly string[] | undefined, words?: ExceptionWords): Factor {
  const rule = "more than 5 % of cases arrive with wrong, missing or mismatched data";
  if (!patterns || patterns.length === 0)
    return { name: "data quality", measured: "not declared for this workflow", level3: false, rule };
  const problems = kpis.exceptionMix.filter((e) => matchesAnyStepPattern(patterns, e.type));
  const cases = problems.reduce((n, e) => n + e.cases, 0);
  const share = kpis.casesOpened > 0 ? cases / kpis.casesOpened : null;
  return {
    name: "data quality",
    measured: `${pct(share)} of cases arrived with a data problem${problems.length > 0 ? ` (${problems.map((e) => `${exceptionWordsOf(words, e.type) ?? e.type} ${e.cases}`).join(", ")})` : ""}`,
    level3: (share ?? 0) > 0.05,
    rule,
  };
}

/** Thresholds as an admin saved them, over the defaults; anything out of range is ignored. */
export function thresholdsFrom(saved: Record<string, unknown> | null | undefined): ReadinessThresholds {
  const out = { ...DEFAULT_THRESHOLDS };
  for (const key of Object.keys(DEFAULT_THRESHOLDS) as (keyof ReadinessThresholds)[]) {
    const value = saved?.[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) continue;
    if (key !== "minCases" && value > 1) continue;
    out[key] = value;
  }
  return out;
}
