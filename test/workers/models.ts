/**
 * Mock models for the workerd tests (AI SDK's MockLanguageModelV3): a test registers one under a name and a test
 * workflow's step names it as `mock:<name>`; everything else resolves as configured.
 */
import type { LanguageModelV3, LanguageModelV3Content, LanguageModelV3GenerateResult } from "@ai-sdk/provider";
import type { ModelResolver } from "../../workers/agent/types.ts";

export const mockModels = new Map<string, LanguageModelV3>();

export const testModels =
  (fallback: ModelResolver): ModelResolver =>
  (ref, offline) => {
    const name = ref.model?.startsWith("mock:") ? ref.model.slice(5) : null;
    if (name === null) return fallback(ref, offline);
    const model = mockModels.get(name);
    if (!model) throw new Error(`no mock model "${name}" registered`);
    return { model, pricePerMillionTokens: 2, offline: false };
  };

const usage = (tokens: number) => ({
  inputTokens: { total: tokens, noCache: tokens, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 20, text: 20, reasoning: 0 },
});

/** A model answer that calls `calls` (tool name → input) and then, unless `decide` is null, decides. */
export function answer(
  calls: [tool: string, input: unknown][],
  decide: Record<string, unknown> | null,
  tokens = 200,
): LanguageModelV3GenerateResult {
  const content: LanguageModelV3Content[] = calls.map(([toolName, input], i) => ({
    type: "tool-call",
    toolCallId: `call-${i + 1}-${toolName}`,
    toolName,
    input: JSON.stringify(input),
  }));
  if (decide)
    content.push({ type: "tool-call", toolCallId: "call-decide", toolName: "decide", input: JSON.stringify(decide) });
  return { content, finishReason: { unified: "tool-calls", raw: "tool_calls" }, usage: usage(tokens), warnings: [] };
}
