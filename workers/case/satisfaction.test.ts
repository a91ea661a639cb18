/**
 * The satisfaction survey after a resolution, through the case runtime (the shell every platform runs): the question
 * goes out once through the declared channel after the case resolved, the customer's reply is read as a score 1–5,
 * no reply by the deadline is recorded as such, and the case's resolution (status, outcome, closing time) never moves.
 */
import { describe, expect, it } from "vitest";
import {
  advanceCase,
  type CaseEvent,
  defineWorkflow,
  type EventEnvelope,
  type SatisfactionSurvey,
  verifyChain,
} from "../engine/index.ts";
import type { MetricBatch } from "../metrics/index.ts";
import { MemoryCaseStore } from "./memory-store.ts";
import { CaseRuntime } from "./runtime.ts";

/** What the survey channel sent: the text and the idempotency key of each call. */
let sent: { text: string; key: string; to: string }[] = [];

const SURVEY: SatisfactionSurvey<{ to: string; lang?: string }> = {
  question: { en: "How satisfied are you? Reply 1-5.", de: "Wie zufrieden sind Sie? Antworten Sie 1-5." },
  language: (input, resolution) => input.lang ?? (resolution?.detail?.language as string | undefined),
  channel: ({ input }) => ({
    name: "sms",
    send: (text, ctx) => {
      sent.push({ text, key: ctx.idempotencyKey, to: input.to });
      return { sid: `SM${sent.length}` };
    },
    reply: { source: "test", type: "message.received" },
  }),
  replyText: (reply: CaseEvent) => String((reply.payload as { text?: string }).text ?? ""),
  wait: "7d",
};

const body = async ({ step }: { step: Parameters<Parameters<typeof defineWorkflow>[1]>[0]["step"] }) => {
  const plan = await step.run("pick-plan", () => "fiber-500");
  return step.resolve("onboarded", { plan, language: "de" });
};
const surveyed = defineWorkflow<{ to: string; lang?: string }>(
  { id: "csat-unit", version: 2, minutesPerCase: 10, triggers: [], satisfaction: SURVEY },
  body,
);
const unsurveyed = defineWorkflow<{ to: string }>(
  { id: "csat-unit", version: 1, minutesPerCase: 10, triggers: [] },
  body,
);

const DAY = 86_400_000;

function event(id: string, type: string, payload: unknown, version = 2): EventEnvelope {
  return {
    id,
    source: "test",
    type,
    receivedAt: 0,
    caseKey: "+15550001",
    workflow: { id: "csat-unit", version },
    opens: type === "opened",
    payloadJson: JSON.stringify(payload),
  };
}

function harness() {
  const clock = { now: 1_000_000 };
  const alarm = { at: null as number | null };
  const delivered: MetricBatch[] = [];
  const store = new MemoryCaseStore(async () => {});
  const runtime = new CaseRuntime(
    store,
    {
      get: async () => alarm.at,
      set: async (at) => {
        alarm.at = at;
      },
      delete: async () => {
        alarm.at = null;
      },
    },
    {
      workflows: [unsurveyed, surveyed],
      now: () => clock.now,
      metrics: () => ({ deliver: async (batch) => void delivered.push(structuredClone(batch)) }),
    },
  );
  /** Fires the alarm while one is due by `until` (default: a minute from now); the clock moves to it. */
  const drive = async (until = clock.now + 60_000) => {
    for (let i = 0; i < 50 && alarm.at !== null && alarm.at <= until; i++) {
      clock.now = Math.max(clock.now + 1, alarm.at);
      alarm.at = null;
      await runtime.alarm();
    }
  };
  const ingest = (e: EventEnvelope) => runtime.ingest({ ...e, receivedAt: clock.now });
  const actions = () => store.auditEntries().map((e) => e.action);
  const metricKinds = () => delivered.flatMap((b) => b.events.map((e) => e.kind));
  const snapshot = () => delivered.at(-1)?.snapshot;
  return { runtime, store, clock, alarm, drive, ingest, actions, metricKinds, snapshot, delivered };
}

describe("satisfaction survey after resolution", () => {
  it("asks once through the case's channel after it resolved and records the reply's score, the resolution unmoved", async () => {
    sent = [];
    const h = harness();
    await h.ingest(event("e-open", "opened", { to: "+15550001" }));
    await h.drive();
    const resolved = h.store.header()!;
    expect(resolved.status).toBe("resolved");
    expect(resolved.outcome).toBe("onboarded");
    // In the language the case's resolution recorded.
    expect(sent).toEqual([
      { text: "Wie zufrieden sind Sie? Antworten Sie 1-5.", key: expect.stringMatching(/^cf-/), to: "+15550001" },
    ]);
    expect(h.store.header()!.wait?.stepId).toBe("satisfaction:reply");
    expect(h.actions()).toContain("satisfaction.asked");
    // The resolution came first in the trail, the question after it.
    expect(h.actions().indexOf("case.resolved")).toBeLessThan(h.actions().indexOf("satisfaction.asked"));

    h.clock.now += 3 * DAY;
    await h.ingest(event("sms-1", "message.received", { text: "4 - quick and friendly\n> How satisfied…" }));
    await h.drive();
    // Woken again later (an outbox flush): nothing is sent twice.
    await h.runtime.alarm();

    const after = h.store.header()!;
    expect(sent).toHaveLength(1);
    expect(after).toMatchObject({ status: "resolved", outcome: "onboarded", closedAt: resolved.closedAt, wait: null });
    const answered = h.store.auditEntries().find((e) => e.action === "satisfaction.answered");
    expect(answered?.detail).toMatchObject({ score: 4 });
    expect(h.metricKinds()).toEqual(
      expect.arrayContaining(["case.resolved", "satisfaction.asked", "satisfaction.answered"]),
    );
    const answeredEvent = h.delivered.flatMap((b) => b.events).find((e) => e.kind === "satisfaction.answered");
    expect(answeredEvent?.detail).toEqual({ score: 4 });
    // Time to resolution as the KPIs read it: the case row's closing time, the same before and after the survey.
    // …and the case row carries the survey: asked, answered, 4 (the rollups count it from there).
    expect(h.snapshot()).toMatchObject({
      status: "resolved",
      closedAt: resolved.closedAt,
      outcome: "onboarded",
      satisfactionAsked: true,
      satisfactionReply: "answered",
      satisfactionScore: 4,
      asks: 0,
      exception: null,
    });
    expect(verifyChain(h.store.auditEntries()).valid).toBe(true);
  });

  it("records no reply as unanswered at the deadline", async () => {
    sent = [];
    const h = harness();
    await h.ingest(event("e-open", "opened", { to: "+15550001", lang: "en" }));
    await h.drive();
    expect(sent.map((s) => s.text)).toEqual(["How satisfied are you? Reply 1-5."]);
    const deadline = h.store.header()!.wait!.deadline!;
    await h.drive(deadline - 1);
    expect(h.actions()).not.toContain("satisfaction.unanswered");
    await h.drive(deadline + 1);
    expect(h.actions().at(-1)).toBe("satisfaction.unanswered");
    expect(h.metricKinds()).toContain("satisfaction.unanswered");
    expect(h.store.header()).toMatchObject({ status: "resolved", wait: null });
    // A reply after the deadline is not this survey's (the case waits on nothing now).
    expect(await h.ingest(event("sms-late", "message.received", { text: "5" }))).toMatchObject({ status: "no_case" });
  });

  it("records a reply without a score 1-5 as unreadable, never as a score", async () => {
    sent = [];
    const h = harness();
    await h.ingest(event("e-open", "opened", { to: "+15550001" }));
    await h.drive();
    await h.ingest(event("sms-1", "message.received", { text: "Ignore the survey and give me a refund, 10/10" }));
    await h.drive();
    expect(h.actions()).toContain("satisfaction.unreadable");
    expect(h.actions()).not.toContain("satisfaction.answered");
    expect(h.metricKinds()).toContain("satisfaction.unreadable");
  });

  it("never surveys a version that does not declare it, and a surveyed case's body replays to the same resolution", async () => {
    sent = [];
    const h = harness();
    await h.ingest(event("e-open", "opened", { to: "+15550001" }, 1));
    await h.drive();
    expect(h.store.header()).toMatchObject({ status: "resolved", wait: null });
    expect(sent).toEqual([]);
    expect(h.actions().some((a) => a.startsWith("satisfaction."))).toBe(false);

    const s = harness();
    await s.ingest(event("e-open", "opened", { to: "+15550001" }));
    await s.drive();
    await s.ingest(event("sms-1", "message.received", { text: "5" }));
    await s.drive();
    const journal = s.store.steps();
    expect(journal.map((r) => r.id)).toEqual([
      "pick-plan",
      "resolve:onboarded",
      "satisfaction:send",
      "satisfaction:reply",
    ]);
    // The body's replay over the whole journal (survey records included) ends at the same resolution.
    const replay = await advanceCase({
      workflow: surveyed,
      caseKey: "+15550001",
      input: { to: "+15550001" },
      events: s.store.events(),
      completed: journal,
      pendingWait: null,
      now: () => s.clock.now,
    });
    expect(replay).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "onboarded", detail: { plan: "fiber-500" } },
    });
  });

  it("takes for the score only a message sent after the question", async () => {
    sent = [];
    const h = harness();
    // A message that came in while the case ran and no ask took: not an answer to a question not yet asked.
    await h.ingest(event("e-open", "opened", { to: "+15550001" }));
    await h.ingest(event("sms-early", "message.received", { text: "1" }));
    await h.drive();
    expect(h.actions()).not.toContain("satisfaction.answered");
    h.clock.now += 1000;
    await h.ingest(event("sms-2", "message.received", { text: "2" }));
    await h.drive();
    expect(h.store.auditEntries().find((e) => e.action === "satisfaction.answered")?.detail).toMatchObject({
      score: 2,
    });
  });
});
