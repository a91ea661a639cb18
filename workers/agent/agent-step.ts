/**
 * The `agent` step, composed from the engine's own steps so it inherits their guarantees: the model's turn is one
 * `run` step (its transcript is the memo: a replay never calls the model again; a provider error is retried with
 * backoff and escalates after the last try), each proposed action is an `approve` where required and then its
 * own `run` step (exactly once, with its own idempotency key), and uncertainty ends in `escalate` (where the proposal
 * passed its guardrails, a person may carry it out: the actions then take the same path).
 */
import type { ExtensionKit } from "../engine/advance.ts";
import type { AuditActor } from "../engine/audit.ts";
import type { HumanDecision, RetryPolicy, StepApi, StepContext, WorkflowExtensions } from "../engine/types.ts";
import { levelsInForce } from "./autonomy.ts";
import { offlineModel } from "./offline-model.ts";
import { redact } from "./prompt.ts";
import type { AgentSite } from "./telemetry.ts";
import { DEFAULT_GUARDRAILS, runAgentTurn } from "./turn.ts";
import type {
  AgentDecision,
  AgentOutcome,
  AgentSpec,
  AgentTranscript,
  AutonomyLevels,
  ModelResolver,
} from "./types.ts";

/** The longest quoted text a packet keeps, in characters; the full text stays in the case's events. */
export const PACKET_QUOTE_CHARS = 2_000;

const quotedForPeople = (text: string, fields: readonly string[]): string => {
  const clean = redact(text, fields);
  return clean.length > PACKET_QUOTE_CHARS ? `${clean.slice(0, PACKET_QUOTE_CHARS)}… (shortened)` : clean;
};

/** A prompt's version as people read it: `v3`, `v2026-11-1` for a number or date, a named one as it is. */
const promptLabel = (version: string) => (/^\d/.test(version) ? `v${version}` : version);

export const modelActor = (t: Pick<AgentTranscript, "model" | "promptVersion">): AuditActor => ({
  kind: "model",
  id: `${t.model.provider}:${t.model.id}${t.model.offline ? " (offline rules, not an LLM)" : ""} prompt ${promptLabel(t.promptVersion)}`,
});

/** Runs the model's turn as a memoised step (the engine records it as an `agent` step, audited as the model). */
export type TurnStep = <D extends AgentDecision>(
  id: string,
  fn: (ctx: StepContext) => Promise<AgentTranscript<D>>,
  retry: RetryPolicy,
) => Promise<AgentTranscript<D>>;

/** The engine's steps an agent step is made of: its own, the memoised turn, and a memoised step with its own audit. */
export interface AgentKit {
  step: StepApi;
  turnStep: TurnStep;
  runStep: ExtensionKit["runStep"];
}

const OFFLINE_ONLY: ModelResolver = (_ref, offline) => ({ model: offline(), pricePerMillionTokens: 0, offline: true });

/**
 * The agent step, plugged into the engine: `advanceCase({ ..., extend: agentSteps(models) })` gives every workflow
 * body its `agent`. `models` picks each step's model from configuration (default: the offline rules model);
 * `autonomy` reads the autonomy level in force of each consequential action (default: every ladder's declared start).
 * @example
 * const triage = await agent("triage", spec); // in a workflow body
 */
export function agentSteps(
  models: ModelResolver = OFFLINE_ONLY,
  autonomy?: AutonomyLevels,
): (kit: ExtensionKit) => WorkflowExtensions {
  return ({ step, runStep, site }) => {
    const turnStep: TurnStep = (id, fn, policy) =>
      runStep(id, "agent", fn, policy, (t) => ({
        actor: modelActor(t),
        entries: t.verdicts.map((v) => ({ action: `guardrail.${v.verdict}`, detail: { ...v } })),
      }));
    return { agent: (id, spec) => runAgent({ step, turnStep, runStep }, id, spec, models, site, autonomy) };
  };
}

export async function runAgent<D extends AgentDecision>(
  { step, turnStep, runStep }: AgentKit,
  id: string,
  spec: AgentSpec<D>,
  models: ModelResolver,
  where: Omit<AgentSite, "stepId">,
  autonomy?: AutonomyLevels,
): Promise<AgentOutcome<D>> {
  const g = { ...DEFAULT_GUARDRAILS, ...spec.guardrails };
  const transcript = await turnStep<D>(
    id,
    async (ctx) => {
      const resolved = models({ workflowId: where.workflowId, stepId: id, model: spec.model }, () =>
        offlineModel(spec.heuristics({ context: spec.context ?? {}, data: spec.data ?? [] })),
      );
      // Read inside the memoised turn: the levels are part of its transcript, so a replay asks as the first run did.
      const levels = await levelsInForce(spec, where.workflowId, autonomy);
      return runAgentTurn(spec, resolved, ctx, { ...where, stepId: id }, levels);
    },
    { retries: 2, initialDelay: "2s" },
  );

  const decision = transcript.decision;
  const evidence = {
    context: redact(spec.context ?? {}, spec.redact ?? []),
    // The customer's own words as the model read them (redacted like the context, bounded: a packet is not an archive).
    data: (spec.data ?? []).map((d) => ({ label: d.label, text: quotedForPeople(d.text, spec.redact ?? []) })),
    model: modelActor(transcript).id,
    rationale: decision?.rationale ?? null,
    confidence: decision?.confidence ?? null,
    verdicts: transcript.verdicts,
  };
  const proposed =
    transcript.actions.map((a) => `${a.tool} ${JSON.stringify(redact(a.input, spec.redact ?? []))}`).join("; ") ||
    decision?.decision;
  const blocked = transcript.verdicts.filter((v) => v.verdict === "blocked");
  const blockedWords = blocked.map((b) => `${b.tool} (${b.reason})`).join(", ");
  const request = {
    evidence,
    proposedAction: proposed,
    tried: [`agent step "${id}" (${transcript.steps} model steps)`],
    ...(blocked.length > 0 ? { cannotCarryOut: `the guardrails blocked ${blockedWords}` } : {}),
    ...spec.escalation,
  };
  const escalate = async (reason: string): Promise<never> => {
    await step.escalate(`${id}:escalate`, { reason, ...request });
    throw new Error("unreachable: an escalation ends the case"); // escalate() only returns by ending the case
  };

  if (transcript.overrun) return escalate(`agent budget exceeded: ${transcript.overrun}`);
  if (!decision) return escalate("the model gave no decision");
  if (decision.decision === "escalate") return escalate(`the model asked for a person: ${decision.rationale}`);
  // Unsure but within the guardrails: a person may carry the proposal out (then it goes on as if the model had been
  // sure, through the same approvals and steps) or resolve the case without it. A blocked proposal is never offered.
  let carriedBy: HumanDecision | null = null;
  if (decision.confidence < g.minConfidence) {
    const reason = `confidence ${decision.confidence} is below ${g.minConfidence}: ${decision.rationale}`;
    if (transcript.actions.length === 0 || blocked.length > 0) return escalate(reason);
    carriedBy = await step.escalateWithProposal(`${id}:escalate`, { reason, ...request, carryOut: proposed ?? "" });
  }
  if (blocked.length > 0 && g.onBlocked === "escalate") return escalate(`guardrails blocked ${blockedWords}`);

  const results: Record<string, unknown> = {};
  for (const action of transcript.actions) {
    const tool = spec.tools?.[action.tool];
    if (!tool) continue;
    if (action.needsApproval) {
      const approval = await step.approve(`${id}:approve:${action.toolCallId}`, {
        title: `${action.tool} proposed by ${transcript.model.id}${carriedBy ? `, carried out by ${carriedBy.actor.id}` : ""}`,
        summary: decision.rationale,
        proposedAction: `${action.tool} ${JSON.stringify(redact(action.input, spec.redact ?? []))}`,
        evidence,
        // The person who chose to carry it out asked for it: someone else must approve it.
        requestedBy: carriedBy ? carriedBy.actor.id : modelActor(transcript).id,
        queue: spec.escalation?.queue ?? "approvals",
        sla: spec.escalation?.sla,
        then: spec.escalation?.then,
        slaNotify: spec.escalation?.slaNotify,
        ...(spec.approvals?.notify ? { notify: spec.approvals.notify } : {}),
        ...(action.autonomy ? { autonomy: action.autonomy } : {}),
      });
      if (!approval.approved) {
        results[action.toolCallId] = { skipped: approval.outcome };
        continue;
      }
    }
    const actionStep = `${id}:${action.tool}:${action.toolCallId}`;
    const run = (ctx: StepContext) => tool.execute(action.input, ctx);
    // An action taken alone under a ladder says so in its audit: the evidence that it acted without asking.
    // One a person carried out is theirs, not evidence of the agent acting alone.
    const alone = !action.needsApproval && !carriedBy && action.autonomy;
    results[action.toolCallId] = alone
      ? await runStep(actionStep, "run", run, {}, () => ({
          entries: [{ action: "autonomy.alone", detail: { ...alone } }],
        }))
      : await step.run(actionStep, run);
  }
  return { ...decision, results, ...(carriedBy ? { carriedOutBy: carriedBy.actor.id } : {}) };
}
