/** The agent step through the pure engine (no runtime): budgets, blocked calls that continue, redaction, offline model. */
import { registerTelemetryIntegration } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { driveEngine, type EngineState, freshState } from "../../test/support/drive-engine.ts";
import {
  type Advance,
  advanceCase,
  type CaseEvent,
  defineWorkflow,
  HUMAN_SOURCE,
  type HumanDecision,
  type PendingWait,
  type RetryState,
  refuseDecision,
  type StepRecord,
  type WorkflowDefinition,
} from "../engine/index.ts";
import { agentSteps } from "./agent-step.ts";
import { guardedTool } from "./tool.ts";
import type { AgentGuardrails, ModelResolver } from "./types.ts";

const Decision = z.object({ decision: z.string(), confidence: z.number(), rationale: z.string() });
const usage = (tokens: number) => ({
  inputTokens: { total: tokens, noCache: tokens, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 0, text: 0, reasoning: 0 },
});
const call = (toolName: string, input: unknown, id = toolName) => ({
  type: "tool-call" as const,
  toolCallId: id,
  toolName,
  input: JSON.stringify(input),
});
const reply = (content: ReturnType<typeof call>[], tokens = 100) => ({
  content,
  finishReason: { unified: "tool-calls" as const, raw: undefined },
  usage: usage(tokens),
  warnings: [],
});

const executed: unknown[] = [];
function workflow(guardrails: AgentGuardrails, model = "mock") {
  return defineWorkflow({ id: "unit-agent", version: 1, minutesPerCase: 1, triggers: [] }, async ({ step, agent }) => {
    const out = await agent("triage", {
      instructions: "Decide.",
      context: { nationalId: "AB123456", note: "card 4242 4242 4242 4242" },
      data: [{ label: "customer message", text: "my card 4000 0566 5566 5556 was charged twice" }],
      decision: Decision,
      redact: ["nationalId"],
      tools: {
        refund: guardedTool({
          description: "refund",
          inputSchema: z.object({ amount: z.number() }),
          limit: (r) => (r.amount > 100 ? "over the cap" : null),
          execute: (r) => {
            executed.push(r);
            return { ok: true };
          },
        }),
        note: {
          description: "note",
          inputSchema: z.object({ text: z.string() }),
          execute: (r) => {
            executed.push(r);
            return { noted: true };
          },
        },
      },
      guardrails,
      heuristics: () => ({
        decision: "refund",
        confidence: 0.95,
        rationale: "rules",
        calls: [{ tool: "refund", input: { amount: 50 } }],
      }),
      model,
    });
    return step.resolve(out.decision, { results: out.results });
  });
}

async function run(
  guardrails: AgentGuardrails,
  model: MockLanguageModelV3 | null,
): Promise<{ next: Advance; completed: StepRecord[] }> {
  const models: ModelResolver = (_ref, offline) =>
    model
      ? { model, pricePerMillionTokens: 10, offline: false }
      : { model: offline(), pricePerMillionTokens: 0, offline: true };
  const completed: StepRecord[] = [];
  const retries: Record<string, RetryState> = {};
  let wait: PendingWait | null = null;
  const events: CaseEvent[] = [{ seq: 1, id: "e1", source: "s", type: "t", receivedAt: 0, payload: {} }];
  for (let i = 0; i < 20; i++) {
    const next = await advanceCase({
      workflow: workflow(guardrails),
      caseKey: "k",
      input: {},
      events,
      completed,
      pendingWait: wait,
      retries,
      now: () => 1_000,
      extend: agentSteps(models),
    });
    if (next.kind !== "step")
      return { next, completed: next.kind === "resolved" ? [...completed, next.record] : completed };
    completed.push(next.record);
    wait = null;
  }
  throw new Error("no end");
}

describe("agent step budgets and blocks", () => {
  it("escalates when the turn uses more tokens than its budget", async () => {
    const model = new MockLanguageModelV3({
      doGenerate: async () => reply([call("decide", { decision: "refund", confidence: 0.9, rationale: "x" })], 6_000),
    });
    const { next } = await run({ maxTokens: 5_000 }, model);
    expect(next).toMatchObject({
      kind: "waiting",
      wait: { human: { packet: { reason: "agent budget exceeded: 6000 tokens, over the budget of 5000" } } },
    });
  });

  it("escalates when the estimated cost passes its budget", async () => {
    const model = new MockLanguageModelV3({
      doGenerate: async () => reply([call("decide", { decision: "refund", confidence: 0.9, rationale: "x" })], 20_000),
    });
    const { next } = await run({ maxCostUsd: 0.1 }, model);
    expect(next).toMatchObject({
      kind: "waiting",
      wait: { human: { packet: { reason: "agent budget exceeded: estimated $0.2000, over the budget of $0.1" } } },
    });
  });

  it("continues without a blocked call when declared so, running only the allowed action", async () => {
    executed.length = 0;
    const model = new MockLanguageModelV3({
      doGenerate: async () =>
        reply([
          call("refund", { amount: 500 }, "big"),
          call("refund", { amount: 40 }, "small"),
          call("decide", { decision: "refund", confidence: 0.9, rationale: "x" }),
        ]),
    });
    const { next, completed } = await run({ onBlocked: "continue" }, model);
    expect(next).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "refund", detail: { results: { small: { ok: true } } } },
    });
    expect(executed).toEqual([{ amount: 40 }]);
    expect(completed.find((s) => s.kind === "agent")?.audit?.entries?.map((e) => e.action)).toEqual([
      "guardrail.blocked",
      "guardrail.allowed",
    ]);
  });

  it("masks configured fields and card numbers before the model sees them", async () => {
    const model = new MockLanguageModelV3({
      doGenerate: async () => reply([call("decide", { decision: "deny", confidence: 0.9, rationale: "x" })]),
    });
    await run({}, model);
    const prompt = JSON.stringify(model.doGenerateCalls[0]?.prompt);
    expect(prompt).not.toContain("AB123456");
    expect(prompt).not.toContain("4242 4242 4242 4242");
    expect(prompt).not.toContain("4000 0566 5566 5556");
    expect(prompt).toContain("[redacted]");
  });

  it("decides by the workflow's rules with the offline model, named as such in the audit", async () => {
    executed.length = 0;
    const { next, completed } = await run({}, null);
    expect(next).toMatchObject({ kind: "resolved", outcome: { outcome: "refund" } });
    expect(executed).toEqual([{ amount: 50 }]);
    expect(completed.find((s) => s.kind === "agent")?.audit?.actor).toEqual({
      kind: "model",
      id: "crossflow.offline:crossflow-offline-rules (offline rules, not an LLM) prompt v1",
    });
  });
});

describe("agent telemetry", () => {
  const seen: {
    functionId: string | undefined;
    metadata: Record<string, unknown> | undefined;
    at: "start" | "finish";
  }[] = [];
  registerTelemetryIntegration({
    onStart: (e) => void seen.push({ functionId: e.functionId, metadata: e.metadata, at: "start" }),
    onFinish: (e) => void seen.push({ functionId: e.functionId, metadata: e.metadata, at: "finish" }),
  });
  const logLines = (spy: { mock: { calls: unknown[][] } }) =>
    spy.mock.calls.map((c) => JSON.parse(c[0] as string) as Record<string, unknown>);

  it("hands the AI SDK's telemetry the case, workflow, version, step and prompt version, and logs the finished turn", async () => {
    seen.length = 0;
    const info = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const model = new MockLanguageModelV3({
        doGenerate: async () => reply([call("decide", { decision: "deny", confidence: 0.9, rationale: "x" })], 300),
      });
      await run({}, model);
      const metadata = {
        workflow: "unit-agent",
        version: 1,
        caseKey: "k",
        step: "triage",
        promptVersion: "1",
        attempt: 1,
      };
      expect(seen).toEqual([
        { functionId: "crossflow.agent.unit-agent.triage", metadata, at: "start" },
        { functionId: "crossflow.agent.unit-agent.triage", metadata, at: "finish" },
      ]);
      expect(logLines(info).filter((l) => l.msg === "agent turn finished")).toEqual([
        {
          time: expect.any(String),
          level: "info",
          msg: "agent turn finished",
          ...metadata,
          model: "mock-provider:mock-model-id",
          modelSteps: 1,
          inputTokens: 300,
          outputTokens: 0,
          finishReason: "tool-calls",
          ms: expect.any(Number),
        },
      ]);
    } finally {
      info.mockRestore();
    }
  });

  it("logs a turn the provider failed, with where it ran, before the engine retries it", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const model = new MockLanguageModelV3({
        doGenerate: async () => {
          throw new Error("upstream 503");
        },
      });
      const { next } = await run({}, model);
      expect(next).toMatchObject({ kind: "retry", stepId: "triage" });
      expect(
        logLines(warn).filter((l) => l.msg === "agent turn failed, the step will be retried or escalated"),
      ).toMatchObject([
        {
          level: "warn",
          workflow: "unit-agent",
          version: 1,
          caseKey: "k",
          step: "triage",
          promptVersion: "1",
          model: "mock-provider:mock-model-id",
          error: { message: "upstream 503" },
        },
      ]);
    } finally {
      warn.mockRestore();
    }
  });
});

describe("carrying out an unsure agent's proposal", () => {
  const refunds: unknown[] = [];
  const keys: string[] = [];
  /** Refunds up to 100, above 40 only after a person approves; the rules propose `amount` at confidence 0.6. */
  const unsure = (amount: number) =>
    defineWorkflow({ id: "unsure", version: 1, minutesPerCase: 5, triggers: [] }, async ({ step, agent }) => {
      const out = await agent("triage", {
        instructions: "Decide.",
        data: [{ label: "ticket", text: "the item arrived damaged" }],
        decision: Decision,
        tools: {
          refund: guardedTool({
            description: "refund",
            inputSchema: z.object({ amount: z.number() }),
            limit: (r) => (r.amount > 100 ? `amount ${r.amount} is over the cap of 100` : null),
            needsApproval: (r) => r.amount > 40,
            execute: (r, ctx) => {
              refunds.push(r);
              keys.push(ctx.idempotencyKey);
              return { id: `re_${refunds.length}` };
            },
          }),
        },
        guardrails: { minConfidence: 0.8 },
        heuristics: () => ({
          decision: "refund",
          confidence: 0.6,
          rationale: "damaged items are not in the policy",
          calls: [{ tool: "refund", input: { amount } }],
        }),
      });
      return step.resolve(out.decision === "refund" ? "refunded" : "denied", {
        results: out.results,
        carriedOutBy: out.carriedOutBy ?? null,
      });
    });
  const opener: CaseEvent = { seq: 1, id: "e1", source: "s", type: "t", receivedAt: 0, payload: {} };
  const decided = (seq: number, d: HumanDecision): CaseEvent => ({
    seq,
    id: `d${seq}`,
    source: HUMAN_SOURCE,
    type: "decision",
    receivedAt: seq,
    payload: d,
  });
  const ops = (id: string) => ({ id, roles: ["operator"] });
  const drive = (w: WorkflowDefinition, events: CaseEvent[], at: number, state: EngineState) =>
    driveEngine(w, events, at, state, { caseKey: "k", input: {} });

  it("offers carry-out beside resolve; carried out, the refund waits for someone else's approval, runs once and the case goes on", async () => {
    refunds.length = 0;
    keys.length = 0;
    const workflow = unsure(50);
    const state = freshState();
    const parked = await drive(workflow, [opener], 10, state);
    expect(parked).toMatchObject({
      kind: "waiting",
      wait: {
        stepId: "triage:escalate",
        human: {
          kind: "escalation",
          allowed: ["carry-out", "resolve"],
          packet: { reason: expect.stringContaining("confidence 0.6 is below 0.8"), carryOut: 'refund {"amount":50}' },
        },
      },
    });
    expect(parked.kind === "waiting" && parked.wait.human?.packet.cannotCarryOut).toBeUndefined();

    const carry = decided(2, {
      stepId: "triage:escalate",
      decision: "carry-out",
      actor: ops("ops-olga"),
      note: "photos show the damage",
      minutesSpent: 4,
    });
    const events = [opener, carry];
    const approval = await drive(workflow, events, 20, state);
    expect(approval).toMatchObject({
      kind: "waiting",
      wait: { human: { kind: "approval", requestedBy: "ops-olga", allowed: ["approve", "reject"] } },
    });
    const escalated = state.completed.find((s) => s.id === "triage:escalate");
    expect(escalated).toMatchObject({ kind: "escalate", output: { decision: "carry-out", actor: { id: "ops-olga" } } });
    expect(escalated?.audit).toEqual({
      actor: { kind: "human", id: "ops-olga" },
      entries: [
        {
          action: "escalation.carried_out",
          detail: { by: "ops-olga", action: 'refund {"amount":50}', note: "photos show the damage", minutesSpent: 4 },
        },
      ],
    });
    expect(refunds).toEqual([]);
    // Woken again with nothing new (a replay): the same path, still waiting, nothing run.
    expect(await drive(workflow, events, 30, state)).toMatchObject({
      kind: "waiting",
      wait: { stepId: approval.kind === "waiting" ? approval.wait.stepId : "" },
    });
    const approvalStep = approval.kind === "waiting" ? approval.wait.stepId : "";
    // The person who carried it out asked for the approval: they cannot grant it themselves.
    const self = { stepId: approvalStep, decision: "approve" as const, actor: ops("ops-olga") };
    expect(refuseDecision(state.wait, self, [])).toMatchObject({ status: 403, code: "self_approval" });

    events.push(decided(3, { stepId: approvalStep, decision: "approve", actor: ops("ops-ben") }));
    const end = await drive(workflow, events, 40, state);
    expect(end).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "refunded", detail: { carriedOutBy: "ops-olga", results: { "offline-1": { id: "re_1" } } } },
    });
    expect(refunds).toEqual([{ amount: 50 }]);

    // Replayed from the events alone (a fresh journal): the decisions take the same path to the same end.
    const again = await drive(workflow, events, 50, freshState());
    expect(again).toMatchObject({ kind: "resolved", outcome: { outcome: "refunded" } });
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });

  it("resolving without it ends the case with the person's outcome and runs nothing", async () => {
    refunds.length = 0;
    const workflow = unsure(30);
    const state = freshState();
    await drive(workflow, [opener], 10, state);
    const resolve = decided(2, {
      stepId: "triage:escalate",
      decision: "resolve",
      outcome: "no-action-needed",
      actor: ops("ops-olga"),
    });
    expect(await drive(workflow, [opener, resolve], 20, state)).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "no-action-needed", detail: { resolvedBy: "ops-olga" } },
    });
    expect(refunds).toEqual([]);
  });

  it("never offers a proposal its guardrails blocked: the packet says why and a carry-out is refused", async () => {
    refunds.length = 0;
    const state = freshState();
    const parked = await drive(unsure(500), [opener], 10, state);
    expect(parked).toMatchObject({
      kind: "waiting",
      wait: {
        human: {
          allowed: ["resolve"],
          packet: { cannotCarryOut: "the guardrails blocked refund (amount 500 is over the cap of 100)" },
        },
      },
    });
    expect(parked.kind === "waiting" && parked.wait.human?.packet.carryOut).toBeUndefined();
    const carry = { stepId: "triage:escalate", decision: "carry-out" as const, actor: ops("ops-olga") };
    expect(refuseDecision(state.wait, carry, [])).toMatchObject({ status: 422, code: "decision_not_allowed" });
    expect(refunds).toEqual([]);
  });
});
