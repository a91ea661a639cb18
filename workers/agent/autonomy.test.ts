/** Autonomy ladders at the tool-call boundary, through the pure engine: the rung in force decides, and a replay keeps it. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type Advance,
  type AutonomyDeclaration,
  advanceCase,
  type CaseEvent,
  defineWorkflow,
  type PendingWait,
  type StepRecord,
} from "../engine/index.ts";
import { agentSteps } from "./agent-step.ts";
import { aloneAt, clampLevel } from "./autonomy.ts";
import { guardedTool } from "./tool.ts";
import type { AutonomyLevels } from "./types.ts";

const LADDER: AutonomyDeclaration = {
  action: "refund",
  ladder: [
    { name: "always ask", alone: false },
    { name: "alone up to 50", alone: { upTo: 5_000 } },
    { name: "alone", alone: true },
  ],
  start: 1,
  promoteAfter: { cases: 3, agreement: 1 },
};
const Decision = z.object({ decision: z.string(), confidence: z.number(), rationale: z.string() });

const refunds = (amount: number) =>
  defineWorkflow(
    { id: "unit-autonomy", version: 1, minutesPerCase: 1, triggers: [], autonomy: [LADDER] },
    async ({ step, agent }) => {
      const out = await agent("triage", {
        instructions: "Decide.",
        decision: Decision,
        tools: {
          refund: guardedTool({
            description: "refund",
            inputSchema: z.object({ amount: z.number() }),
            execute: (r) => ({ id: `re_${r.amount}` }),
            autonomy: { ladder: LADDER, amount: (r) => r.amount },
          }),
        },
        heuristics: () => ({
          decision: "refund",
          confidence: 0.95,
          rationale: "rules",
          calls: [{ tool: "refund", input: { amount } }],
        }),
      });
      return step.resolve(out.decision, { results: out.results });
    },
  );

/** Runs the case until it parks or ends, reading levels from `levels` (counting the reads). */
async function run(amount: number, levels: AutonomyLevels, completed: StepRecord[] = []) {
  const events: CaseEvent[] = [{ seq: 1, id: "e1", source: "s", type: "t", receivedAt: 0, payload: {} }];
  const wait: PendingWait | null = null;
  for (let i = 0; i < 20; i++) {
    const next: Advance = await advanceCase({
      workflow: refunds(amount),
      caseKey: "k",
      input: {},
      events,
      completed,
      pendingWait: wait,
      retries: {},
      now: () => 1_000,
      extend: agentSteps(undefined, levels),
    });
    if (next.kind !== "step") return { next, completed };
    completed.push(next.record);
  }
  throw new Error("no end");
}

describe("autonomy at the tool boundary", () => {
  it("acts alone within the rung in force and asks above it, tagging the action with its level", async () => {
    const reads: string[] = [];
    const at =
      (level: number | null): AutonomyLevels =>
      async (w, a) => {
        reads.push(`${w}/${a}`);
        return level;
      };
    const small = await run(3_000, at(null));
    expect(small.next.kind).toBe("resolved");
    const acted = small.completed.find((s) => s.id.startsWith("triage:refund:"));
    expect(acted?.audit?.entries).toEqual([
      {
        action: "autonomy.alone",
        detail: { action: "refund", step: acted!.id, level: 1, rung: "alone up to 50", amount: 3_000 },
      },
    ]);
    expect(reads).toEqual(["unit-autonomy/refund"]);

    const large = await run(8_000, at(null));
    expect(large.next).toMatchObject({
      kind: "waiting",
      wait: { human: { kind: "approval", autonomy: { action: "refund", level: 1, amount: 8_000 } } },
    });
    const asked = await run(3_000, at(0));
    expect(asked.next).toMatchObject({ wait: { human: { autonomy: { level: 0, rung: "always ask" } } } });
    expect((await run(9_000, at(2))).next.kind).toBe("resolved");
  });

  it("replays the level the turn read: a later change does not alter a case in flight", async () => {
    let level = 0;
    let reads = 0;
    const levels: AutonomyLevels = async () => {
      reads++;
      return level;
    };
    const first = await run(3_000, levels);
    expect(first.next.kind).toBe("waiting");
    const turn = first.completed.find((s) => s.id === "triage");
    expect((turn!.output as { autonomy?: unknown }).autonomy).toEqual({ refund: 0 });
    level = 2;
    const replayed = await run(3_000, levels, first.completed);
    expect(replayed.next).toMatchObject({ kind: "waiting", wait: { human: { autonomy: { level: 0 } } } });
    expect(reads).toBe(1);
  });

  it("keeps a stored level inside the ladder and decides amounts at the rung's bound", () => {
    expect(clampLevel(LADDER, 7)).toBe(2);
    expect(clampLevel(LADDER, -1)).toBe(0);
    expect(aloneAt({ name: "up to 50", alone: { upTo: 5_000 } }, 5_000)).toBe(true);
    expect(aloneAt({ name: "up to 50", alone: { upTo: 5_000 } }, 5_001)).toBe(false);
    expect(aloneAt({ name: "up to 50", alone: { upTo: 5_000 } }, undefined)).toBe(false);
  });

  it("refuses at deploy a ladder that cannot be climbed", () => {
    expect(() =>
      defineWorkflow(
        { id: "bad", version: 1, minutesPerCase: 1, triggers: [], autonomy: [{ ...LADDER, start: 3 }] },
        async ({ step }) => step.resolve("x"),
      ),
    ).toThrow(/autonomy of "refund" starts on rung 3, which its ladder lacks/);
  });
});
