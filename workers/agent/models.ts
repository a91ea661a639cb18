/**
 * Which model an agent step uses, by configuration only: `CROSSFLOW_MODEL` (all workflows),
 * `CROSSFLOW_MODEL_<WORKFLOW>` and `CROSSFLOW_MODEL_<WORKFLOW>__<STEP>` (ids upper-cased, `-` → `_`), or the
 * step's own `model`. Values are `provider:model`:
 *   openai:gpt-4.1-mini            OPENAI_API_KEY, optional OPENAI_BASE_URL
 *   anthropic:claude-sonnet-4-5    ANTHROPIC_API_KEY, optional ANTHROPIC_BASE_URL
 *   workers-ai:@cf/meta/llama-3.3-70b-instruct-fp8-fast   the `AI` binding on Cloudflare (`[ai] binding = "AI"`),
 *                                  else CLOUDFLARE_ACCOUNT_ID + CLOUDFLARE_API_TOKEN (Workers AI's OpenAI-compatible
 *                                  endpoint, e.g. from Deno), optional WORKERS_AI_BASE_URL
 *   compatible:llama3.1            OPENAI_COMPATIBLE_BASE_URL (Ollama, vLLM, llama.cpp server), optional OPENAI_COMPATIBLE_API_KEY
 *   offline                        the built-in rules model (the default: no account needed)
 * `CROSSFLOW_MODEL_PRICES` (JSON, USD per million tokens by `provider:model`) feeds the cost budget.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { createWorkersAI } from "workers-ai-provider";
import { FatalError } from "../engine/errors.ts";
import { log } from "../observability/index.ts";
import type { ModelResolver } from "./types.ts";

const envName = (id: string) => id.toUpperCase().replace(/[^A-Z0-9]+/g, "_");

function need(config: Record<string, unknown>, name: string, provider: string): string {
  const value = config[name];
  // A missing key cannot be fixed by retrying: the step escalates with this message.
  if (typeof value !== "string" || value === "")
    throw new FatalError(`${provider} is configured but ${name} is not set`);
  return value;
}

const optional = (config: Record<string, unknown>, name: string) =>
  typeof config[name] === "string" && config[name] !== "" ? (config[name] as string) : undefined;

/** The `provider:model` reference that applies to a step. */
export function modelRef(
  config: Record<string, unknown>,
  workflowId: string,
  stepId: string,
  stepModel?: string,
): string {
  const pick = (name: string) => optional(config, name);
  return (
    stepModel ??
    pick(`CROSSFLOW_MODEL_${envName(workflowId)}__${envName(stepId)}`) ??
    pick(`CROSSFLOW_MODEL_${envName(workflowId)}`) ??
    pick("CROSSFLOW_MODEL") ??
    "offline"
  );
}

export function languageModel(config: Record<string, unknown>, ref: string): LanguageModelV3 | null {
  const [provider = "", ...rest] = ref.split(":");
  const id = rest.join(":");
  switch (provider) {
    case "offline":
      return null;
    case "openai":
      return createOpenAI({
        apiKey: need(config, "OPENAI_API_KEY", ref),
        baseURL: optional(config, "OPENAI_BASE_URL"),
      }).chat(id);
    case "anthropic":
      return createAnthropic({
        apiKey: need(config, "ANTHROPIC_API_KEY", ref),
        baseURL: optional(config, "ANTHROPIC_BASE_URL"),
      })(id);
    case "workers-ai": {
      const binding = config.AI as { run?: unknown } | undefined;
      if (binding && typeof binding.run === "function")
        return createWorkersAI({ binding: binding as never })(id as never);
      const baseURL =
        optional(config, "WORKERS_AI_BASE_URL") ??
        `https://api.cloudflare.com/client/v4/accounts/${need(config, "CLOUDFLARE_ACCOUNT_ID", ref)}/ai/v1`;
      return createOpenAICompatible({
        name: "workers-ai",
        baseURL,
        apiKey: need(config, "CLOUDFLARE_API_TOKEN", ref),
      }).chatModel(id);
    }
    case "compatible":
      return createOpenAICompatible({
        name: "compatible",
        baseURL: need(config, "OPENAI_COMPATIBLE_BASE_URL", ref),
        apiKey: optional(config, "OPENAI_COMPATIBLE_API_KEY"),
      }).chatModel(id);
    default:
      throw new FatalError(
        `unknown model provider in "${ref}"; use openai:, anthropic:, workers-ai:, compatible: or offline`,
      );
  }
}

/**
 * @example const models = modelResolver(env); // then handed to the case runtime
 */
export function modelResolver(config: Record<string, unknown>): ModelResolver {
  let prices: Record<string, number> = {};
  try {
    prices = JSON.parse(optional(config, "CROSSFLOW_MODEL_PRICES") ?? "{}");
  } catch {
    // A malformed price list only disables the cost budget's estimate; it must not stop the worker.
    log.warn("CROSSFLOW_MODEL_PRICES is not valid JSON; cost budgets estimate $0");
  }
  return ({ workflowId, stepId, model }, offline) => {
    const ref = modelRef(config, workflowId, stepId, model);
    const real = languageModel(config, ref);
    return real
      ? { model: real, pricePerMillionTokens: prices[ref] ?? 0, offline: false }
      : { model: offline(), pricePerMillionTokens: 0, offline: true };
  };
}
