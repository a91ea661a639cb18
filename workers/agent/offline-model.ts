/**
 * The built-in offline model: it implements the AI SDK's language-model interface so `npm start` works with no
 * account, and it decides by the workflow's declared rules (`heuristics`), not by reading the prompt. It is not an
 * LLM and never claims to be: its id says so, and the audit, the logs and the dashboard name it.
 */
import type { LanguageModelV3, LanguageModelV3Content, LanguageModelV3GenerateResult } from "@ai-sdk/provider";
import type { AgentDecision } from "./types.ts";

export const OFFLINE_MODEL_ID = "crossflow-offline-rules";
export const OFFLINE_PROVIDER = "crossflow.offline";

const usage = {
  inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 0, text: 0, reasoning: 0 },
};

/**
 * @example const model = offlineModel({ decision: "refund", confidence: 0.9, rationale: "duplicate charge", calls: [{ tool: "refund", input: { amount: 4900 } }] });
 */
export function offlineModel(
  proposal: AgentDecision & { calls?: { tool: string; input: unknown }[] },
): LanguageModelV3 {
  const { calls = [], ...decision } = proposal;
  const generate = async (): Promise<LanguageModelV3GenerateResult> => {
    const content: LanguageModelV3Content[] = [
      ...calls.map((c, i) => ({
        type: "tool-call" as const,
        toolCallId: `offline-${i + 1}`,
        toolName: c.tool,
        input: JSON.stringify(c.input),
      })),
      { type: "tool-call", toolCallId: "offline-decide", toolName: "decide", input: JSON.stringify(decision) },
    ];
    return { content, finishReason: { unified: "tool-calls", raw: "tool_calls" }, usage, warnings: [] };
  };
  return {
    specificationVersion: "v3",
    provider: OFFLINE_PROVIDER,
    modelId: OFFLINE_MODEL_ID,
    supportedUrls: {},
    doGenerate: generate,
    doStream: async () => {
      throw new Error(`${OFFLINE_MODEL_ID} does not stream`);
    },
  };
}
