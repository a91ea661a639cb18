/**
 * The engine benchmark's worker; everything else is the product's worker, so `GET /healthz` is the trivial
 * baseline on the same runtime.
 * - `POST /bench/cases?steps=N`: a case of N sequential `step.run` calls to a connector that answers at once.
 * - `POST /bench/cases?rounds=R&delay=D`: a case with one agent step of R tool-calling rounds against a model stub
 *   that answers after D ms (R − 1 read-only tool calls, then the decision).
 * Each case is opened and driven through the case object's own alarm handler until it ends.
 */
import type { LanguageModelV3, LanguageModelV3GenerateResult } from "@ai-sdk/provider";
import { z } from "zod";
import type { AgentTranscript, ModelResolver } from "../../workers/agent/types.ts";
import { defineWorkflow, type WorkflowDefinition } from "../../workers/engine/index.ts";
import { CaseObject as ProductCaseObject } from "../../workers/platform/cloudflare/case-object.ts";
import type { Env } from "../../workers/platform/cloudflare/env.ts";
import product from "../../workers/platform/cloudflare/index.ts";
import { WORKFLOWS } from "../../workers/workflows/index.ts";

export { DeadLetterObject } from "../../workers/platform/cloudflare/index.ts";

/** A connector with no latency: what is left is the engine's own cost per step. */
const zeroLatencyConnector = async (i: number) => ({ ok: true, i });

const benchSteps = defineWorkflow<{ steps: number }>(
  { id: "bench-steps", version: 1, minutesPerCase: 1, triggers: [] },
  async ({ input, step }) => {
    for (let i = 0; i < input.steps; i++) await step.run(`call-${i}`, () => zeroLatencyConnector(i));
    return step.resolve("done", { steps: input.steps });
  },
);

const Decision = z.object({ decision: z.string(), confidence: z.number(), rationale: z.string() });

const benchAgent = defineWorkflow<{ rounds: number; delayMs: number }>(
  { id: "bench-agent", version: 1, minutesPerCase: 1, triggers: [] },
  async ({ input, step, agent }) => {
    const result = await agent("triage", {
      instructions: "Check the account, then decide.",
      context: { rounds: input.rounds, delayMs: input.delayMs },
      data: [{ label: "customer message", text: "Please check my account." }],
      decision: Decision,
      tools: {
        ping: {
          description: "Read the account",
          inputSchema: z.object({ n: z.number() }),
          readOnly: true,
          execute: ({ n }) => ({ pong: n }),
        },
      },
      guardrails: { minConfidence: 0.5, maxToolCalls: input.rounds + 1, maxSteps: input.rounds + 1 },
      heuristics: () => ({ decision: "ok", confidence: 1, rationale: "bench" }),
      model: "bench:stub",
    });
    return step.resolve(result.decision);
  },
);

/** Answers after `delayMs`: R − 1 rounds with a `ping` call, then the decision. */
function stubModel(rounds: number, delayMs: number): LanguageModelV3 {
  const usage = {
    inputTokens: { total: 100, noCache: 100, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 10, text: 10, reasoning: 0 },
  };
  return {
    specificationVersion: "v3",
    provider: "bench",
    modelId: `stub-${delayMs}ms`,
    supportedUrls: {},
    async doGenerate(options): Promise<LanguageModelV3GenerateResult> {
      await new Promise((r) => setTimeout(r, delayMs));
      const done = options.prompt.filter((m) => m.role === "tool").length;
      const call =
        done < rounds - 1
          ? { toolName: "ping", input: { n: done } }
          : { toolName: "decide", input: { decision: "ok", confidence: 0.9, rationale: "checked" } };
      return {
        content: [
          { type: "tool-call", toolCallId: `c${done}`, toolName: call.toolName, input: JSON.stringify(call.input) },
        ],
        finishReason: { unified: "tool-calls", raw: "tool_calls" },
        usage,
        warnings: [],
      };
    },
    async doStream() {
      throw new Error("the stub does not stream");
    },
  };
}

export class CaseObject extends ProductCaseObject {
  protected override readonly workflows: readonly WorkflowDefinition[] = [...WORKFLOWS, benchSteps, benchAgent];
  private agentLoad = { rounds: 1, delayMs: 0 };

  protected override models(): ModelResolver {
    return () => ({
      model: stubModel(this.agentLoad.rounds, this.agentLoad.delayMs),
      pricePerMillionTokens: 0,
      offline: false,
    });
  }

  /** Opens the case and drives its alarm handler until it ends: the bursts a deployed case would run. */
  async runToEnd(caseKey: string, load: { steps: number } | { rounds: number; delayMs: number }) {
    const workflow = "steps" in load ? benchSteps : benchAgent;
    if (!("steps" in load)) this.agentLoad = load;
    await this.ingest({
      id: caseKey,
      source: "bench",
      type: "bench.start",
      receivedAt: Date.now(),
      caseKey,
      workflow: { id: workflow.id, version: workflow.version },
      opens: true,
      payloadJson: JSON.stringify(load),
    });
    let bursts = 0;
    // The alarm ingest scheduled runs here instead, and so does each one a burst schedules for the next, so the
    // measured time is the object's work and not the timer's.
    while ((await this.ctx.storage.getAlarm()) !== null && bursts < 1000) {
      await this.ctx.storage.deleteAlarm();
      await this.alarm();
      bursts++;
    }
    const view = await this.view();
    const turn = view?.steps.find((s) => s.kind === "agent");
    return {
      status: view?.header.status ?? "missing",
      steps: view?.steps.length ?? 0,
      bursts,
      // The agent step's own span, timed by the object's clock (it moves across the stub's delays).
      agentMs: turn ? turn.finishedAt - turn.startedAt : null,
      modelSteps: turn ? (turn.output as AgentTranscript).steps : null,
    };
  }
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/bench/cases") {
      const q = url.searchParams;
      const load = q.has("rounds")
        ? { rounds: Number(q.get("rounds")), delayMs: Number(q.get("delay") ?? "0") }
        : { steps: Number(q.get("steps") ?? "0") };
      const caseKey = `bench:${crypto.randomUUID()}`;
      const stub = (env.CASES as unknown as DurableObjectNamespace<CaseObject>).getByName(
        `${"steps" in load ? "bench-steps" : "bench-agent"}/${caseKey}`,
      );
      return Response.json(await stub.runToEnd(caseKey, load));
    }
    return product.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
