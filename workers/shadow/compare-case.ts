/**
 * How a candidate's run of a recorded case compares with production's: step by step (matched by step id, in the
 * order each side reached them), the verdict (same, different decision, different action, failed) and only the steps
 * that differ, side by side.
 */
import type {
  ShadowCaseResult,
  ShadowStep,
  ShadowStepPair,
  ShadowVerdict,
  ShadowWrite,
} from "../../db/rollouts/shadow-reports.ts";
import type { CaseJournal } from "../case/journal.ts";
import { type StepRecord, SURVEY_PREFIX } from "../engine/index.ts";
import type { SandboxRun } from "./sandbox.ts";

/** Step kinds that are judgments: a difference in one of them is a different decision, not just a different action. */
const DECISION_KINDS = new Set(["agent", "decide", "approve", "escalate", "resolve"]);

type Recorded = Omit<StepRecord, "audit">;

/**
 * What of a step's result the comparison looks at. An agent turn: its decision and the actions it proposed, not its
 * token counts or the model's name; a wait: which event ended it (or none); a resolve: its outcome and detail; a
 * function step: its result.
 */
export function comparable(step: Recorded): unknown {
  const output = step.output as Record<string, unknown> | null;
  if (step.kind === "agent" && output && typeof output === "object") {
    const actions = (output.actions as { tool: string; input: unknown; needsApproval: boolean }[] | undefined) ?? [];
    return {
      decision: output.decision ?? null,
      overrun: output.overrun ?? null,
      actions: actions.map((a) => ({ tool: a.tool, input: a.input, needsApproval: a.needsApproval })),
    };
  }
  if (["waitFor", "ask", "approve", "escalate"].includes(step.kind) && output && typeof output === "object") {
    // A wait's result is the event (or decision) that ended it: its id says which one.
    if ("id" in output && "source" in output) return { event: output.id };
  }
  return output;
}

/** JSON with sorted keys, so two equal results compare equal whatever order their fields were written in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

const sameStep = (a: Recorded, b: Recorded) =>
  a.kind === b.kind && canonical(comparable(a)) === canonical(comparable(b));

function shadowStep(step: Recorded, writes: ShadowWrite[]): ShadowStep {
  return { id: step.id, kind: step.kind, result: step.output ?? null, writes, at: step.finishedAt };
}

/** What pairs two steps: their id, except the case's end, whose record is named after its outcome (`resolve:<outcome>`). */
const pairKey = (step: Recorded) => (step.kind === "resolve" ? "resolve" : step.id);

/** Steps of both sides matched by id, in the order production reached them, the candidate's own ones where it reached them. */
function pairSteps(production: Recorded[], candidate: Recorded[]): [Recorded | null, Recorded | null][] {
  const byId = new Map(candidate.map((s) => [pairKey(s), s]));
  const produced = new Set(production.map(pairKey));
  const pairs: [Recorded | null, Recorded | null][] = [];
  let next = 0;
  for (const step of production) {
    const match = byId.get(pairKey(step)) ?? null;
    if (match) {
      // The candidate's steps production never ran, up to this shared one, come first.
      const at = candidate.indexOf(match);
      for (; next < at; next++) if (!produced.has(pairKey(candidate[next]!))) pairs.push([null, candidate[next]!]);
      next = Math.max(next, at + 1);
    }
    pairs.push([step, match]);
  }
  for (; next < candidate.length; next++)
    if (!produced.has(pairKey(candidate[next]!))) pairs.push([null, candidate[next]!]);
  return pairs;
}

/**
 * @example const result = compareCase(journal, await runInSandbox(journal, options)); result.verdict; // "different decision"
 */
export function compareCase(journal: CaseJournal, run: SandboxRun): ShadowCaseResult {
  const { header } = journal;
  const base = {
    caseId: header.caseId,
    caseKey: header.caseKey,
    productionVersion: header.workflowVersion,
    production: { status: header.status, outcome: header.outcome },
  };
  if (!run.header)
    return {
      ...base,
      verdict: "failed",
      candidate: null,
      reason: run.refusal?.reason ?? "the candidate did not open the case",
      steps: [],
    };
  // SLA records are the engine's notes while a task waits, and a satisfaction survey runs after the case ended (its
  // answer arrives on the customer's time): neither is a step of the workflow to compare.
  const compared = (s: StepRecord) => s.kind !== "sla" && !s.id.startsWith(SURVEY_PREFIX);
  const production = journal.steps.filter(compared);
  const candidate = run.steps.filter(compared);
  const writesOf = (id: string): ShadowWrite[] =>
    run.writes
      .filter((w) => w.stepId === id || w.stepId?.startsWith(`${id}:`))
      .map(({ stepId: _stepId, ...write }) => write);
  // Where the sandbox stopped a case, production's steps past the last one the candidate also reached say nothing.
  const reached = Math.max(-1, ...candidate.map((c) => production.findIndex((p) => pairKey(p) === pairKey(c))));
  const differing: ShadowStepPair[] = [];
  let decision = false;
  for (const [p, c] of pairSteps(production, candidate)) {
    if (p && c && sameStep(p, c)) continue;
    if (run.refusal && p && !c && production.indexOf(p) > reached) continue;
    const id = pairKey((p ?? c)!);
    if (DECISION_KINDS.has(p?.kind ?? "") || DECISION_KINDS.has(c?.kind ?? "")) decision = true;
    differing.push({
      id,
      production: p ? shadowStep(p, []) : null,
      candidate: c ? shadowStep(c, writesOf(c.id)) : null,
    });
  }
  if (run.refusal) {
    // A judgment that already differed before the sandbox had to stop is still a different decision; anything less
    // cannot be judged, and the case counts as failed in the sandbox.
    const first = differing[0];
    return {
      ...base,
      verdict: decision ? "different decision" : "failed",
      candidate: null,
      reason:
        decision && first ? `first difference at step ${first.id}; then ${run.refusal.reason}` : run.refusal.reason,
      steps: decision ? differing : [],
    };
  }
  const candidateEnd = { status: run.header.status, outcome: run.header.outcome };
  if (candidateEnd.status !== base.production.status || candidateEnd.outcome !== base.production.outcome)
    decision = true;
  const verdict: ShadowVerdict = decision ? "different decision" : differing.length > 0 ? "different action" : "same";
  const first = differing[0];
  const reason =
    verdict === "same"
      ? null
      : first
        ? `first difference at step ${first.id}`
        : `production ended ${base.production.status}${base.production.outcome ? ` (${base.production.outcome})` : ""}, the candidate ${candidateEnd.status}${candidateEnd.outcome ? ` (${candidateEnd.outcome})` : ""}`;
  return { ...base, verdict, candidate: candidateEnd, reason, steps: differing };
}
