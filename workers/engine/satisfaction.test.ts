/**
 * The survey's pure core through its public entry (`advanceSurvey`) and the score reader: what counts as a score, a
 * failing send retried with backoff under one idempotency key and then recorded as not sent, and the replay of a
 * finished survey doing nothing again.
 */
import { describe, expect, it } from "vitest";
import { defineWorkflow } from "./define.ts";
import { advanceSurvey, readScore, type SurveyAdvance } from "./satisfaction.ts";
import type { CaseEvent, RetryState, StepRecord } from "./types/case.ts";

describe("readScore", () => {
  it("takes a leading digit 1-5 of the first line, and nothing else", () => {
    expect(readScore("4")).toBe(4);
    expect(readScore("  5/5 great")).toBe(5);
    expect(readScore("\n> How satisfied are you?\n2 - slow")).toBe(2);
    expect(readScore("3.\n\n> quoted question")).toBe(3);
    for (const text of ["45", "4.5", "4,5", "10", "0", "6", "great", "I'd say 4", "", "> 4"])
      expect(readScore(text)).toBeNull();
  });
});

let calls: string[] = [];
let failures = 0;
const workflow = defineWorkflow<{ to: string }>(
  {
    id: "survey-core",
    version: 1,
    minutesPerCase: 1,
    triggers: [],
    satisfaction: {
      question: { en: "How satisfied are you? 1-5" },
      channel: () => ({
        name: "sms",
        send: (_text, ctx) => {
          calls.push(ctx.idempotencyKey);
          if (failures-- > 0) throw new Error("provider down");
          return { sid: "SM1" };
        },
        reply: { source: "twilio", type: "message.received" },
      }),
      replyText: (reply) => String((reply.payload as { Body?: string }).Body ?? ""),
      wait: "7d",
    },
  },
  async ({ step }) => step.resolve("done"),
);
const opener: CaseEvent = { seq: 1, id: "e1", source: "form", type: "opened", receivedAt: 0, payload: { to: "+1" } };

async function next(completed: StepRecord[], retries: Record<string, RetryState>, now: number): Promise<SurveyAdvance> {
  return advanceSurvey({
    workflow,
    caseKey: "k",
    input: { to: "+1" },
    events: [opener],
    completed,
    pendingWait: null,
    retries,
    now: () => now,
    random: () => 0,
  });
}

describe("advanceSurvey", () => {
  it("retries a failing send under one key, then records it as not sent instead of handing it to a person", async () => {
    calls = [];
    failures = 100;
    const retries: Record<string, RetryState> = {};
    let now = 1_000;
    let result = await next([], retries, now);
    for (let i = 0; i < 10 && result.kind === "retry"; i++) {
      retries[result.stepId] = result.retry;
      // Woken early: nothing is sent.
      expect((await next([], retries, result.retry.notBefore - 1)).kind).toBe("retry");
      now = result.retry.notBefore;
      result = await next([], retries, now);
    }
    expect(calls).toHaveLength(6);
    expect(new Set(calls).size).toBe(1);
    expect(result).toMatchObject({
      kind: "step",
      record: { id: "satisfaction:send" },
      result: { status: "not-sent", error: { message: "provider down" } },
    });
    if (result.kind !== "step") throw new Error("unreachable");
    expect(await next([result.record], {}, now)).toEqual({ kind: "done" });
    expect(calls).toHaveLength(6);
  });

  it("sends once, then parks on the reply until its deadline, then records no reply", async () => {
    calls = [];
    failures = 0;
    const sent = await next([], {}, 1_000);
    expect(sent).toMatchObject({
      kind: "step",
      record: { id: "satisfaction:send", output: { text: "How satisfied are you? 1-5" } },
    });
    if (sent.kind !== "step") throw new Error("unreachable");
    const parked = await next([sent.record], {}, 2_000);
    expect(parked).toMatchObject({
      kind: "waiting",
      wait: { stepId: "satisfaction:reply", deadline: 2_000 + 7 * 86_400_000 },
    });
    const late = await advanceSurvey({
      workflow,
      caseKey: "k",
      input: { to: "+1" },
      events: [opener],
      completed: [sent.record],
      pendingWait: parked.kind === "waiting" ? parked.wait : null,
      now: () => 2_000 + 7 * 86_400_000,
    });
    expect(late).toMatchObject({
      kind: "step",
      record: { id: "satisfaction:reply", output: null },
      result: { status: "unanswered" },
    });
    expect(calls).toHaveLength(1);
  });
});
