/**
 * Progressive autonomy, the judgment: what a case reports about an agent's consequential action, how the evidence of
 * one level adds up, and what it calls for — propose the next rung (an admin promotes), demote one rung at once (a
 * rejection or reversal of an action taken at the level in force, or an error spike among the actions it took alone),
 * or hold. Pure; autonomy-evidence.ts reads the evidence, autonomy-store.ts writes the changes.
 */
import { z } from "zod";
import type { MetricBatch } from "../facts.ts";
import { type Interval, wilsonInterval } from "../kpi/compare.ts";

/** approved (unchanged), changed, rejected, alone (done without asking), reversed (undone after the fact). */
export const AUTONOMY_OUTCOMES = ["approved", "changed", "rejected", "alone", "reversed"] as const;
export type AutonomyOutcome = (typeof AUTONOMY_OUTCOMES)[number];

/** The ladder's rule as the case reports it with each action (workers/case/autonomy-evidence.ts). */
export const AutonomyRuleSchema = z.object({
  rungs: z.number().int().min(1).max(20),
  start: z.number().int().min(0),
  promoteAfter: z.object({ cases: z.number().int().min(1), agreement: z.number().min(0).max(1) }),
  demoteOn: z
    .object({ errorRate: z.object({ rate: z.number().min(0).max(1), minCases: z.number().int().min(1) }).optional() })
    .default({}),
});
export type AutonomyRule = z.infer<typeof AutonomyRuleSchema>;

/** A metric event's `detail.autonomy`: the action, the step that performs it, the level in force, the outcome. */
export const ReportedActionSchema = z.object({
  action: z.string().min(1).max(100),
  step: z.string().min(1).max(200),
  level: z.number().int().min(0),
  rung: z.string().max(200).optional(),
  amount: z.number().int().optional(),
  outcome: z.enum(["approved", "rejected", "alone"]),
  rule: AutonomyRuleSchema.optional(),
});
export type ReportedAction = z.infer<typeof ReportedActionSchema>;

/** What happened to one level's actions. */
export interface LevelTally {
  approved: number;
  changed: number;
  rejected: number;
  alone: number;
  reversed: number;
  /** Of the actions taken alone, those whose case ended in error (a step's error reached a person, or it failed). */
  aloneErrored: number;
  lastRejectionAt: number | null;
}

export const EMPTY_TALLY: LevelTally = {
  approved: 0,
  changed: 0,
  rejected: 0,
  alone: 0,
  reversed: 0,
  aloneErrored: 0,
  lastRejectionAt: null,
};

/** Proposals people decided (approved unchanged, changed, rejected); a reversed approval counts as rejected. */
export function agreementOf(t: LevelTally): { proposals: number; agreement: number | null; interval: Interval | null } {
  const proposals = t.approved + t.changed + t.rejected;
  return {
    proposals,
    agreement: proposals === 0 ? null : t.approved / proposals,
    interval: wilsonInterval(t.approved, proposals),
  };
}

/** Where an action stands: its level in force, a pending proposal, and since when the level is in force. */
export interface AutonomyState {
  level: number;
  proposedLevel: number | null;
  /** When the level in force took effect (a promotion or demotion); null: the declared start, never changed. */
  since: number | null;
}

/** The evidence at the level in force since it took effect, oldest first where order matters. */
export interface CurrentEvidence {
  tally: LevelTally;
  /** Outcomes of the last `promoteAfter.cases` proposals decided there (and reversals), newest first. */
  recentProposals: readonly AutonomyOutcome[];
  /** A rejection or reversal of an action proposed or taken at the level in force or above, since it took effect. */
  refusal: { outcome: "rejected" | "reversed"; caseId: string; step: string } | null;
}

export type AutonomyVerdict =
  | { kind: "propose"; to: number; reason: string }
  | { kind: "demote"; to: number; reason: string }
  /** A pending proposal the evidence no longer supports (a rejection since, agreement fallen below the threshold). */
  | { kind: "withdraw"; reason: string }
  | { kind: "hold"; reason: string };

const percent = (x: number) => `${Math.round(x * 1000) / 10} %`;

/**
 * What the evidence calls for. A demotion comes first and needs no sample: one rejection or reversal at the level in
 * force is enough. A proposal needs the declared sample, the declared agreement, no rejection among the last
 * `cases` proposals and a rung above; a pending proposal stays only while that still holds, else it is withdrawn.
 * @example judgeAutonomy(rule, { level: 0, proposedLevel: null, since: null }, evidence) // → { kind: "propose", to: 1, … }
 */
export function judgeAutonomy(rule: AutonomyRule, state: AutonomyState, evidence: CurrentEvidence): AutonomyVerdict {
  const { level } = state;
  const { tally } = evidence;
  if (level > 0 && evidence.refusal) {
    const { outcome, caseId, step } = evidence.refusal;
    const what =
      outcome === "rejected" ? "a person rejected the agent's proposal" : "an action the agent took was reversed";
    return { kind: "demote", to: level - 1, reason: `${what} (${caseId}, ${step})` };
  }
  const errors = rule.demoteOn.errorRate;
  if (level > 0 && errors && tally.alone >= errors.minCases && tally.aloneErrored / tally.alone >= errors.rate)
    return {
      kind: "demote",
      to: level - 1,
      reason: `${tally.aloneErrored} of ${tally.alone} cases it acted alone in ended in error (${percent(tally.aloneErrored / tally.alone)}, limit ${percent(errors.rate)})`,
    };
  if (level >= rule.rungs - 1) return { kind: "hold", reason: "on the ladder's top rung" };
  const pending = state.proposedLevel !== null && state.proposedLevel > level;
  const { proposals, agreement } = agreementOf(tally);
  const { cases, agreement: needed } = rule.promoteAfter;
  const short =
    proposals < cases
      ? `${proposals} of ${cases} proposals decided at this level`
      : (agreement ?? 0) < needed
        ? `agreement ${percent(agreement ?? 0)} is below ${percent(needed)}`
        : evidence.recentProposals.slice(0, cases).some((o) => o === "rejected" || o === "reversed")
          ? `a rejection among the last ${cases} proposals`
          : null;
  if (pending)
    return short
      ? { kind: "withdraw", reason: `level ${state.proposedLevel} no longer holds: ${short}` }
      : { kind: "hold", reason: `level ${state.proposedLevel} is proposed already, waiting for an admin` };
  if (short) return { kind: "hold", reason: short };
  return {
    kind: "propose",
    to: level + 1,
    reason: `${tally.approved} of ${proposals} proposals approved unchanged (${percent(agreement ?? 0)}, at least ${percent(needed)} over ${cases}), none of the last ${cases} rejected`,
  };
}

/** One `action_outcomes` row as the metrics writer stores it. */
export interface OutcomeRow {
  caseId: string;
  stepId: string;
  workflowId: string;
  workflowVersion: number;
  action: string;
  level: number;
  amount: number | null;
  outcome: "approved" | "rejected" | "alone";
  at: number;
}

/**
 * The evidence in metric batches: a row per action a case reported (an action taken alone, a person's approval or
 * rejection of a proposal), and per workflow action touched the rule it was reported with (the newest). A detail
 * that does not parse is left out: evidence is never guessed.
 * @example const { rows, touched } = reportedOutcomes(batches);
 */
export function reportedOutcomes(batches: readonly MetricBatch[]): {
  rows: OutcomeRow[];
  touched: Map<string, { workflowId: string; action: string; rule: AutonomyRule | null }>;
} {
  const rows: OutcomeRow[] = [];
  const touched = new Map<string, { workflowId: string; action: string; rule: AutonomyRule | null }>();
  for (const event of batches.flatMap((b) => b.events)) {
    if (event.detail?.autonomy === undefined) continue;
    const parsed = ReportedActionSchema.safeParse(event.detail.autonomy);
    if (!parsed.success) continue;
    const a = parsed.data;
    rows.push({
      caseId: event.caseId,
      stepId: a.step,
      workflowId: event.workflowId,
      workflowVersion: event.workflowVersion,
      action: a.action,
      level: a.level,
      amount: a.amount ?? null,
      outcome: a.outcome,
      at: event.at,
    });
    const key = `${event.workflowId}\u0000${a.action}`;
    touched.set(key, {
      workflowId: event.workflowId,
      action: a.action,
      rule: a.rule ?? touched.get(key)?.rule ?? null,
    });
  }
  return { rows, touched };
}
