/**
 * Switching a workflow's model is configuration only: each provider, configured the way the README says, runs a
 * real tool-calling turn through the AI SDK against a local stub of that provider's HTTP API (no network).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startLlmStub } from "../../test/support/llm-stubs.ts";
import { modelRef, modelResolver } from "./models.ts";
import { offlineModel } from "./offline-model.ts";
import { runAgentTurn } from "./turn.ts";
import type { AgentSpec } from "./types.ts";

const DECISION = { decision: "refund", confidence: 0.91, rationale: "duplicate charge on the statement" };
let stub: Awaited<ReturnType<typeof startLlmStub>>;
beforeAll(async () => {
  stub = await startLlmStub(DECISION);
});
afterAll(() => stub.close());

const spec: AgentSpec<typeof DECISION> = {
  instructions: "Decide the refund dispute.",
  context: { charge: "ch_1", amount: 4900 },
  data: [{ label: "customer message", text: "I was charged twice." }],
  decision: z.object({ decision: z.string(), confidence: z.number(), rationale: z.string() }),
  heuristics: () => ({ decision: "deny", confidence: 1, rationale: "offline" }),
};
const ctx = { idempotencyKey: "cf-test", attempt: 1 };

async function turnWith(config: Record<string, string>, workflowId = "refund-dispute") {
  const resolved = modelResolver(config)({ workflowId, stepId: "triage" }, () =>
    offlineModel(spec.heuristics({ context: {}, data: [] })),
  );
  const before = stub.requests.length;
  const transcript = await runAgentTurn(spec, resolved, ctx, { workflowId, stepId: "triage" });
  return { transcript, requests: stub.requests.slice(before) };
}

describe("models by configuration", () => {
  it("OpenAI: CROSSFLOW_MODEL=openai:<model> with OPENAI_API_KEY (base URL overridable)", async () => {
    const { transcript, requests } = await turnWith({
      CROSSFLOW_MODEL: "openai:gpt-4.1-mini",
      OPENAI_API_KEY: "sk-test-openai",
      OPENAI_BASE_URL: `${stub.url}/v1`,
    });
    expect(transcript).toMatchObject({
      decision: DECISION,
      model: { provider: "openai.chat", id: "gpt-4.1-mini", offline: false },
      usage: { inputTokens: 321, outputTokens: 12 },
    });
    expect(requests).toMatchObject([
      { path: "/v1/chat/completions", authorization: "Bearer sk-test-openai", body: { model: "gpt-4.1-mini" } },
    ]);
    expect(requests[0]!.body.tools.map((t: any) => t.function.name)).toEqual(["decide"]);
  });

  it("Anthropic: CROSSFLOW_MODEL_<WORKFLOW>=anthropic:<model> with ANTHROPIC_API_KEY", async () => {
    const { transcript, requests } = await turnWith({
      CROSSFLOW_MODEL: "openai:gpt-4.1-mini",
      CROSSFLOW_MODEL_REFUND_DISPUTE: "anthropic:claude-sonnet-4-5",
      ANTHROPIC_API_KEY: "sk-ant-test",
      ANTHROPIC_BASE_URL: `${stub.url}/v1`,
    });
    expect(transcript).toMatchObject({
      decision: DECISION,
      model: { provider: "anthropic.messages", id: "claude-sonnet-4-5" },
    });
    expect(requests).toMatchObject([
      { path: "/v1/messages", apiKey: "sk-ant-test", body: { model: "claude-sonnet-4-5" } },
    ]);
    expect(requests[0]!.body.system[0].text).toContain("Decide the refund dispute.");
  });

  it("Workers AI: workers-ai:<model> with CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN (its OpenAI-compatible endpoint)", async () => {
    const { transcript, requests } = await turnWith({
      CROSSFLOW_MODEL_REFUND_DISPUTE__TRIAGE: "workers-ai:@cf/meta/llama-3.3-70b-instruct-fp8-fast",
      CLOUDFLARE_ACCOUNT_ID: "acc123",
      CLOUDFLARE_API_TOKEN: "cf-token",
      WORKERS_AI_BASE_URL: `${stub.url}/client/v4/accounts/acc123/ai/v1`,
    });
    expect(transcript).toMatchObject({
      decision: DECISION,
      model: { provider: "workers-ai.chat", id: "@cf/meta/llama-3.3-70b-instruct-fp8-fast" },
    });
    expect(requests).toMatchObject([
      { path: "/client/v4/accounts/acc123/ai/v1/chat/completions", authorization: "Bearer cf-token" },
    ]);
  });

  it("Workers AI through the AI binding when the worker has one: the binding's run() gets the model, messages and tools", async () => {
    const calls: { model: string; inputs: any }[] = [];
    const AI = {
      run: async (model: string, inputs: any) => {
        calls.push({ model, inputs });
        return {
          response: null,
          tool_calls: [{ name: "decide", arguments: DECISION }],
          usage: { prompt_tokens: 210, completion_tokens: 9 },
        };
      },
    };
    const resolved = modelResolver({
      CROSSFLOW_MODEL: "workers-ai:@cf/meta/llama-3.3-70b-instruct-fp8-fast",
      AI,
    } as never)({ workflowId: "w", stepId: "s" }, () => offlineModel(DECISION));
    const transcript = await runAgentTurn(spec, resolved, ctx, { workflowId: "w", stepId: "s" });
    expect(transcript).toMatchObject({
      decision: DECISION,
      model: { id: "@cf/meta/llama-3.3-70b-instruct-fp8-fast", offline: false },
      usage: { inputTokens: 210, outputTokens: 9 },
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.model).toBe("@cf/meta/llama-3.3-70b-instruct-fp8-fast");
    expect(calls[0]!.inputs.tools.map((t: any) => t.function?.name ?? t.name)).toEqual(["decide"]);
    expect(JSON.stringify(calls[0]!.inputs.messages)).toContain('<data source=\\"customer message\\">');
  });

  it("any OpenAI-compatible server: compatible:<model> with OPENAI_COMPATIBLE_BASE_URL (Ollama, vLLM, llama.cpp)", async () => {
    const { transcript, requests } = await turnWith({
      CROSSFLOW_MODEL: "compatible:llama3.1",
      OPENAI_COMPATIBLE_BASE_URL: `${stub.url}/v1`,
    });
    expect(transcript).toMatchObject({ decision: DECISION, model: { provider: "compatible.chat", id: "llama3.1" } });
    expect(requests).toMatchObject([
      { path: "/v1/chat/completions", authorization: null, body: { model: "llama3.1" } },
    ]);
  });

  it("falls back to the offline rules model when nothing is configured, and names it", async () => {
    const { transcript, requests } = await turnWith({});
    expect(transcript).toMatchObject({
      decision: { decision: "deny" },
      model: { id: "crossflow-offline-rules", offline: true },
    });
    expect(requests).toEqual([]);
  });

  it("refuses a provider without its key, and an unknown provider, with a clear error", () => {
    const resolve = (config: Record<string, string>) =>
      modelResolver(config)({ workflowId: "w", stepId: "s" }, () => offlineModel(DECISION));
    expect(() => resolve({ CROSSFLOW_MODEL: "openai:gpt-4.1-mini" })).toThrow(
      "openai:gpt-4.1-mini is configured but OPENAI_API_KEY is not set",
    );
    expect(() => resolve({ CROSSFLOW_MODEL: "mistral:large" })).toThrow(/unknown model provider in "mistral:large"/);
    expect(
      modelRef(
        { CROSSFLOW_MODEL: "a:1", CROSSFLOW_MODEL_MY_FLOW: "b:2", CROSSFLOW_MODEL_MY_FLOW__STEP_ONE: "c:3" },
        "my-flow",
        "step-one",
      ),
    ).toBe("c:3");
  });
});
