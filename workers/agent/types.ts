/** The agent step's vocabulary: what a workflow declares, what the step records, what guardrails decide. */
import type { LanguageModelV3 } from "@ai-sdk/provider";
import type { z } from "zod";
import type {
  ApprovalNotifier,
  AutonomyDeclaration,
  AutonomyTag,
  EscalationRequest,
  StepContext,
} from "../engine/types.ts";

/** What every decision schema contains; a workflow extends it with its own fields. */
export interface AgentDecision {
  /** The verdict, e.g. `refund`, `need-details`, or `escalate` (the model hands the case to a person). */
  decision: string;
  /** 0–1: below the step's `minConfidence` the case escalates. */
  confidence: number;
  rationale: string;
}

/** A connector action the model may call, with the limits enforced when it does (never only in the prompt). */
/**
 * `I`: the input its schema parses. The callbacks are methods so a map of tools (`Record<string, GuardedTool>`) holds
 * tools of different inputs: each is only ever called with what its own `inputSchema` parsed.
 */
export interface GuardedTool<I = unknown> {
  description: string;
  inputSchema: z.ZodType<I>;
  /** Runs the action with the step's idempotency key; called at most once per accepted call. */
  execute(input: I, ctx: StepContext): unknown;
  /** Reads only: runs during the model's turn and its result goes back to the model. Others run after the decision. */
  readOnly?: boolean;
  /** Why this call is not allowed (an amount over the cap, a currency off the list), or null when it is. */
  limit?(input: I): string | null;
  /** True when a person must approve this call before it runs. */
  needsApproval?: boolean | ApprovalRule<I>;
  /**
   * A consequential action with an autonomy ladder (declared in the workflow's header `autonomy`): whether a call
   * needs a person follows the rung in force, and replaces `needsApproval`. `amount`: the call's amount in minor
   * units, for rungs that act alone up to an amount.
   */
  autonomy?: { ladder: AutonomyDeclaration; amount?(input: I): number };
}

/** The level in force of a workflow's action (the index into its ladder), or null when none was ever set. */
export type AutonomyLevels = (workflowId: string, action: string) => Promise<number | null>;

/** Whether a call needs a person's approval; a method type, for the same reason as `GuardedTool`'s callbacks. */
type ApprovalRule<I> = { rule(input: I): boolean }["rule"];

export interface AgentGuardrails {
  /** Below this confidence the case escalates (default 0.7). */
  minConfidence?: number;
  /** Tool calls the model may make in this step (default 8). */
  maxToolCalls?: number;
  /** Model round trips (default 6). */
  maxSteps?: number;
  /** Input + output tokens across the step. */
  maxTokens?: number;
  /** Estimated cost in USD, from the model's price per million tokens. */
  maxCostUsd?: number;
  /** Wall time of the model's turn. */
  maxWallMs?: number;
  /** What a blocked tool call does to the step: `escalate` (default) or `continue` without it. */
  onBlocked?: "escalate" | "continue";
}

/** What the built-in offline model decides from: the workflow's own declared rules. */
export type AgentHeuristics<D extends AgentDecision> = (seen: {
  context: Record<string, unknown>;
  data: readonly QuotedData[];
}) => D & {
  /** Tool calls the rules propose, in order. */
  calls?: { tool: string; input: unknown }[];
};

/** Text from customers or third parties: shown to the model as quoted data, never as instructions. */
export interface QuotedData {
  /** Where it came from, e.g. `customer email`, `uploaded document`. */
  label: string;
  text: string;
}

export interface AgentSpec<D extends AgentDecision> {
  /** Our instructions (trusted). Versioned: the audit names the prompt version. */
  instructions: string;
  promptVersion?: string;
  /** Case facts the model may see (trusted, structured). */
  context?: Record<string, unknown>;
  /** Untrusted text, quoted. */
  data?: readonly QuotedData[];
  /** zod object with at least `decision`, `confidence`, `rationale`. */
  decision: z.ZodType<D>;
  tools?: Record<string, GuardedTool>;
  /** Tools allowed in this step (its stage); default: all of `tools`. */
  allowedTools?: readonly string[];
  guardrails?: AgentGuardrails;
  /** Field names whose values are masked in prompts, transcripts and the audit (e.g. `iban`, `nationalId`). */
  redact?: readonly string[];
  /** The rules the offline model applies when no provider is configured. */
  heuristics: AgentHeuristics<D>;
  /**
   * Where an escalation (and an approval) goes: queue, role, SLA, the queues after it and who hears of a missed SLA;
   * `turn` when the step answers a customer's message (its escalation is then measured as the conversation's).
   */
  escalation?: Pick<EscalationRequest, "queue" | "role" | "sla" | "then" | "slaNotify" | "turn">;
  /** How people hear of an action waiting for their approval (e.g. `slackApprovals(config, { channel })`). */
  approvals?: { notify?: ApprovalNotifier };
  /** `provider:model` for this step, overriding configuration (e.g. `anthropic:claude-sonnet-4-5`). */
  model?: string;
}

/** A guardrail's verdict on one tool call: audited whatever it says. */
export interface ToolVerdict {
  toolCallId: string;
  tool: string;
  input: unknown;
  verdict: "allowed" | "blocked" | "needs_approval";
  reason?: string;
  /** A consequential action's autonomy level when the verdict was given. */
  autonomy?: AutonomyTag;
}

/** The model's turn as the case keeps it: replayed instead of calling the model again. */
export interface AgentTranscript<D extends AgentDecision = AgentDecision> {
  model: { provider: string; id: string; offline: boolean };
  promptVersion: string;
  decision: D | null;
  verdicts: ToolVerdict[];
  /** Tool calls the model asked for that act on other systems: run after the decision, each once. */
  actions: { toolCallId: string; tool: string; input: unknown; needsApproval: boolean; autonomy?: AutonomyTag }[];
  /** The autonomy level in force per action when the turn ran (absent when no tool declares a ladder). */
  autonomy?: Readonly<Record<string, number>>;
  readResults: { toolCallId: string; tool: string; output: unknown }[];
  usage: { inputTokens: number; outputTokens: number; costUsd: number };
  /** Why the turn ended without a usable decision, if it did. */
  overrun: string | null;
  steps: number;
}

/** The agent step's result for the workflow. */
export type AgentOutcome<D extends AgentDecision> = D & {
  /** What each proposed action returned (by tool call id), after any approval. */
  results: Record<string, unknown>;
  /** Who carried the proposal out when the model was unsure and a person chose `carry-out`. */
  carriedOutBy?: string;
};

/** Resolves the model for a step from configuration. */
export type ModelResolver = (
  ref: { workflowId: string; stepId: string; model?: string },
  offline: () => LanguageModelV3,
) => { model: LanguageModelV3; pricePerMillionTokens: number; offline: boolean };

declare module "../engine/types/workflow.ts" {
  interface WorkflowExtensions {
    /**
     * An LLM tool-calling step inside guardrails: returns the model's decision and the results of the actions it
     * proposed, or escalates the case when it is unsure, blocked or over budget (see `agentSteps`).
     * @example const triage = await agent("triage", { instructions, context, data, decision: Triage, tools, heuristics });
     */
    agent<D extends AgentDecision>(id: string, spec: AgentSpec<D>): Promise<AgentOutcome<D>>;
  }
}
