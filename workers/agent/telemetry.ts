/**
 * What an agent turn tells operators: the AI SDK's own telemetry (`experimental_telemetry`: OpenTelemetry spans
 * for the turn, each model call and each tool call, through whatever tracer the deployment registers) with the
 * case, workflow, version, step and prompt version as metadata, and one structured log line per finished or failed
 * turn (model, steps, tokens, finish reason, time), so a slow or failing model is found from the logs alone.
 */
import type { TelemetrySettings } from "ai";
import type { StepContext } from "../engine/types.ts";
import { log } from "../observability/index.ts";

/** Where a turn runs: its workflow (and version), its case's key and its step. */
export interface AgentSite {
  workflowId: string;
  workflowVersion?: number;
  caseKey?: string;
  stepId: string;
}

/** The metadata every span and log line of a turn carries. */
export function agentMetadata(
  site: AgentSite,
  promptVersion: string,
  ctx: Pick<StepContext, "attempt">,
): Record<string, string | number> {
  return {
    workflow: site.workflowId,
    ...(site.workflowVersion !== undefined ? { version: site.workflowVersion } : {}),
    ...(site.caseKey !== undefined ? { caseKey: site.caseKey } : {}),
    step: site.stepId,
    promptVersion,
    attempt: ctx.attempt,
  };
}

/**
 * The AI SDK telemetry of one turn. Inputs and outputs are not recorded in spans: prompts quote customer text (only
 * the declared fields are masked), and the case already keeps the turn's transcript where access is controlled.
 * @example await generateText({ model, prompt, experimental_telemetry: agentTelemetry(site, "2026-11-1", { provider, id }, ctx) });
 */
export function agentTelemetry(
  site: AgentSite,
  promptVersion: string,
  model: { provider: string; id: string },
  ctx: Pick<StepContext, "attempt">,
): TelemetrySettings {
  const metadata = agentMetadata(site, promptVersion, ctx);
  const started = Date.now();
  return {
    isEnabled: true,
    functionId: `crossflow.agent.${site.workflowId}.${site.stepId}`,
    metadata,
    recordInputs: false,
    recordOutputs: false,
    integrations: {
      onFinish: (event) =>
        log.info("agent turn finished", {
          ...metadata,
          model: `${model.provider}:${model.id}`,
          modelSteps: event.steps.length,
          inputTokens: event.totalUsage.inputTokens,
          outputTokens: event.totalUsage.outputTokens,
          finishReason: event.finishReason,
          ms: Date.now() - started,
        }),
    },
  };
}

/** A turn that threw (the provider failed, a tool broke): the engine retries it; this line says why and where. */
export function logAgentFailure(
  site: AgentSite,
  promptVersion: string,
  model: { provider: string; id: string },
  ctx: Pick<StepContext, "attempt">,
  error: unknown,
): void {
  log.warn("agent turn failed, the step will be retried or escalated", {
    ...agentMetadata(site, promptVersion, ctx),
    model: `${model.provider}:${model.id}`,
    error,
  });
}
