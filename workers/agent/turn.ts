/**
 * One model turn of an agent step: the AI SDK's tool loop with every tool call passing the guardrails first.
 * A call outside the step's tools, over a limit, or past the budget is not executed; read-only calls run and
 * their results go back to the model; calls that act on other systems are only recorded here, to run after the
 * decision (once each, after a person's approval where required). The turn ends with the model's `decide` call.
 */
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { generateText, hasToolCall, stepCountIs, type ToolSet, tool } from "ai";
import type { StepContext } from "../engine/types.ts";
import { autonomyOf, type LevelsInForce } from "./autonomy.ts";
import { buildPrompt, redact } from "./prompt.ts";
import { type AgentSite, agentTelemetry, logAgentFailure } from "./telemetry.ts";
import type { AgentDecision, AgentSpec, AgentTranscript } from "./types.ts";

export const DEFAULT_GUARDRAILS = { minConfidence: 0.7, maxToolCalls: 8, maxSteps: 6, onBlocked: "escalate" as const };

export interface TurnModel {
  model: LanguageModelV3;
  pricePerMillionTokens: number;
  offline: boolean;
}

/**
 * `site` names the workflow, case and step for the AI SDK's telemetry and the turn's log line.
 * @example const transcript = await runAgentTurn(spec, { model, pricePerMillionTokens: 0.6, offline: false }, ctx, { workflowId: "refund-dispute", stepId: "triage" });
 */
export async function runAgentTurn<D extends AgentDecision>(
  spec: AgentSpec<D>,
  turn: TurnModel,
  ctx: StepContext,
  site: AgentSite,
  levels: LevelsInForce = {},
): Promise<AgentTranscript<D>> {
  const g = { ...DEFAULT_GUARDRAILS, ...spec.guardrails };
  const fields = spec.redact ?? [];
  const { system, prompt } = buildPrompt(
    spec.instructions,
    redact(spec.context ?? {}, fields),
    (spec.data ?? []).map((d) => ({ label: d.label, text: redact(d.text, fields) })),
  );
  const allowed = new Set(spec.allowedTools ?? Object.keys(spec.tools ?? {}));
  const transcript: AgentTranscript<D> = {
    model: { provider: turn.model.provider, id: turn.model.modelId, offline: turn.offline },
    promptVersion: spec.promptVersion ?? "1",
    decision: null,
    verdicts: [],
    actions: [],
    readResults: [],
    usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    overrun: null,
    steps: 0,
    ...(Object.keys(levels).length > 0 ? { autonomy: levels } : {}),
  };
  const abort = new AbortController();
  const stop = (reason: string) => {
    transcript.overrun ??= reason;
    abort.abort(new Error(reason));
  };
  let calls = 0;

  const tools: ToolSet = {};
  for (const [name, guarded] of Object.entries(spec.tools ?? {})) {
    if (name === "decide") throw new TypeError('"decide" is reserved for the decision');
    tools[name] = tool({
      description: guarded.description,
      inputSchema: guarded.inputSchema,
      execute: async (input: unknown, { toolCallId }) => {
        const shown = redact(input, fields);
        if (++calls > g.maxToolCalls) {
          stop(`more than ${g.maxToolCalls} tool calls`);
          transcript.verdicts.push({
            toolCallId,
            tool: name,
            input: shown,
            verdict: "blocked",
            reason: "tool-call budget spent",
          });
          return { blocked: "tool-call budget spent" };
        }
        const reason = !allowed.has(name) ? `${name} is not allowed in this step` : (guarded.limit?.(input) ?? null);
        if (reason) {
          transcript.verdicts.push({ toolCallId, tool: name, input: shown, verdict: "blocked", reason });
          return { blocked: reason };
        }
        // A ladder's rung in force decides instead of a fixed rule; the tag names the step that will perform it.
        const ladder = autonomyOf(guarded, input, levels, `${site.stepId}:${name}:${toolCallId}`);
        const approval = ladder
          ? ladder.needsApproval
          : typeof guarded.needsApproval === "function"
            ? guarded.needsApproval(input)
            : guarded.needsApproval === true;
        const autonomy = ladder ? { autonomy: ladder.tag } : {};
        transcript.verdicts.push({
          toolCallId,
          tool: name,
          input: shown,
          verdict: approval ? "needs_approval" : "allowed",
          ...autonomy,
        });
        if (guarded.readOnly && !approval) {
          const output = await guarded.execute(input, {
            idempotencyKey: `${ctx.idempotencyKey}:${toolCallId}`,
            attempt: ctx.attempt,
          });
          transcript.readResults.push({ toolCallId, tool: name, output: redact(output, fields) });
          return output;
        }
        transcript.actions.push({ toolCallId, tool: name, input, needsApproval: approval, ...autonomy });
        return { queued: true, runs: approval ? "after a person approves it" : "after your decision" };
      },
    });
  }
  tools.decide = tool({
    description: "Record your decision with your confidence (0-1) and rationale. Call it exactly once, last.",
    inputSchema: spec.decision,
    execute: async (decision: unknown) => {
      transcript.decision = decision as D;
      return { recorded: true };
    },
  });

  const timer = g.maxWallMs ? setTimeout(() => stop(`over ${g.maxWallMs} ms`), g.maxWallMs) : null;
  try {
    await generateText({
      model: turn.model,
      system,
      prompt,
      tools,
      stopWhen: [hasToolCall("decide"), stepCountIs(g.maxSteps)],
      // The engine retries the whole turn with backoff (and escalates after the last try): no hidden retries here.
      maxRetries: 0,
      abortSignal: abort.signal,
      experimental_telemetry: agentTelemetry(
        site,
        transcript.promptVersion,
        { provider: transcript.model.provider, id: transcript.model.id },
        ctx,
      ),
      onStepFinish: (step) => {
        transcript.steps++;
        transcript.usage.inputTokens += step.usage.inputTokens ?? 0;
        transcript.usage.outputTokens += step.usage.outputTokens ?? 0;
        const tokens = transcript.usage.inputTokens + transcript.usage.outputTokens;
        transcript.usage.costUsd = (tokens / 1_000_000) * turn.pricePerMillionTokens;
        if (g.maxTokens !== undefined && tokens > g.maxTokens)
          stop(`${tokens} tokens, over the budget of ${g.maxTokens}`);
        if (g.maxCostUsd !== undefined && transcript.usage.costUsd > g.maxCostUsd)
          stop(`estimated $${transcript.usage.costUsd.toFixed(4)}, over the budget of $${g.maxCostUsd}`);
      },
    });
  } catch (error) {
    // An abort we caused is a budget overrun, recorded above; anything else (a provider error) is the engine's to retry.
    if (!transcript.overrun) {
      logAgentFailure(
        site,
        transcript.promptVersion,
        { provider: transcript.model.provider, id: transcript.model.id },
        ctx,
        error,
      );
      throw error;
    }
  } finally {
    if (timer) clearTimeout(timer);
  }
  if (!transcript.decision && !transcript.overrun && transcript.steps >= g.maxSteps)
    transcript.overrun = `no decision within ${g.maxSteps} model steps`;
  return transcript;
}
