/**
 * The KPI pipeline against a real libSQL endpoint: batches written (in any order, any number of times) leave
 * rollups that equal a recount of the cases' final rows and the raw-event fallback; the consumer dead-letters
 * malformed batches whole and retries when the database is down; retention keeps every rollup.
 */
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { type MetricsDatabase, openDatabase } from "../../db/client.ts";
import {
  type GroupKey,
  kpisOf,
  type TallyGroup,
  tallyFromCases,
  tallyFromRawEvents,
  tallyFromRollups,
} from "../../db/kpi/index.ts";
import { pickScenario, SCENARIOS, seededRandom, syntheticCase } from "../../db/kpi/synthetic.ts";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import type { DeadLetterInput } from "../ingest/dispatch.ts";
import {
  type CaseSnapshot,
  consumeMetrics,
  dayOf,
  METRICS_DEAD_LETTER_SOURCE,
  type MetricBatch,
  type QueueMessage,
} from "./index.ts";
import { pruneRawEvents } from "./retention.ts";

const database = useMigratedDatabase("kpi");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

const DAY = 86_400_000;
const START = Date.UTC(2026, 9, 1);
const MEASURES = { minutesPerCase: 30, minutesPerDecision: 12, routineSteps: ["consent"] };

function histories(count: number, seed: number) {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) =>
    syntheticCase({
      workflowId: i % 3 === 0 ? "onboarding" : "refunds",
      version: 1 + (i % 2),
      caseKey: `c${seed}-${i}`,
      openedAt: START + Math.floor(random() * 20) * DAY + Math.floor(random() * DAY),
      // Every scenario at least once, then a realistic mix.
      scenario: i < SCENARIOS.length ? SCENARIOS[i]! : pickScenario(random),
      measures: MEASURES,
      random,
      // A fifth as older case objects report: events without numbers, kept once by their id.
      numbered: i % 5 !== 4,
    }),
  );
}

/** Tallies as plain objects, sorted by group, so `toEqual` compares them whole. */
const comparable = (groups: TallyGroup[]) =>
  groups
    .map((g) => ({
      ...g,
      tally: {
        ...g.tally,
        ttr: [...g.tally.ttr].sort(([a], [b]) => a - b),
        exceptions: [...g.tally.exceptions].sort(([a], [b]) => a.localeCompare(b)),
      },
    }))
    .sort((a, b) => `${a.workflowId}|${a.version}|${a.day}`.localeCompare(`${b.workflowId}|${b.version}|${b.day}`));

const RANGE = { fromDay: dayOf(START), toDay: dayOf(START) + 30 };
const GROUPINGS: GroupKey[][] = [[], ["workflow"], ["workflow", "version"], ["workflow", "version", "day"]];

async function queueMessages(batches: MetricBatch[] | unknown[]) {
  const acked: string[] = [];
  const retried: { id: string; delaySeconds?: number }[] = [];
  const messages: QueueMessage[] = batches.map((body, i) => ({
    id: `m${i}`,
    timestamp: new Date(),
    body,
    attempts: 3,
    ack: () => void acked.push(`m${i}`),
    retry: (o) => void retried.push({ id: `m${i}`, delaySeconds: o?.delaySeconds }),
  }));
  return { messages, acked, retried };
}

describe("metrics pipeline into libSQL", () => {
  const cases = histories(400, 7);
  const finals: CaseSnapshot[] = cases.map((c) => c.final);

  it("rollups equal a recount of the final case rows after out-of-order, repeated delivery", async () => {
    const random = seededRandom(99);
    const all = cases.flatMap((c) => c.batches);
    // Shuffle, and deliver a third of the batches twice: the queue redelivers after a lost ack.
    let queue = [...all, ...all.filter(() => random() < 0.33)].sort(() => random() - 0.5);
    // Through the consumer, 50 messages at a time; what it retries (a batch whose case's earlier events have not
    // been written yet) comes back at the end of the queue.
    let retries = 0;
    for (let rounds = 0; queue.length > 0; rounds++) {
      expect(rounds).toBeLessThan(500);
      const take = queue.slice(0, 50);
      queue = queue.slice(take.length);
      const { messages, retried } = await queueMessages(take);
      const result = await consumeMetrics(messages, {
        db,
        deadLetters: { add: async () => ({ id: 1, duplicate: false }) },
      });
      expect(result.deadLettered).toBe(0);
      retries += retried.length;
      queue.push(...retried.map((r) => take[Number(r.id.slice(1))]!));
    }
    expect(retries).toBeGreaterThan(0);

    for (const by of GROUPINGS) {
      expect(comparable(await tallyFromRollups(db, RANGE, by))).toEqual(comparable(tallyFromCases(finals, RANGE, by)));
    }
    const events = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM metric_events`);
    expect(Number(events[0]!.n)).toBe(all.reduce((n, b) => n + b.events.length, 0));
  });

  it("the raw-event fallback gives the same tallies as the rollups", async () => {
    for (const by of GROUPINGS) {
      expect(comparable(await tallyFromRawEvents(db, RANGE, by))).toEqual(
        comparable(await tallyFromRollups(db, RANGE, by)),
      );
    }
    const filtered = { ...RANGE, workflowId: "onboarding", version: 2 };
    expect(comparable(await tallyFromRawEvents(db, filtered))).toEqual(
      comparable(await tallyFromRollups(db, filtered)),
    );
  });

  it("computes each KPI from the tally", async () => {
    const [all] = await tallyFromRollups(db, RANGE);
    const k = kpisOf(all!.tally);
    const resolvedAuto = finals.filter((c) => c.status === "resolved" && !c.humanTouch).length;
    expect(k.casesOpened).toBe(400);
    expect(k.resolvedAutonomously).toBe(resolvedAuto);
    expect(k.autonomousResolutionRate).toBeCloseTo(resolvedAuto / 400, 10);
    expect(k.escalated).toBe(finals.filter((c) => c.escalated).length);
    expect(k.failed).toBe(finals.filter((c) => c.status === "failed").length);
    expect(k.hoursSaved).toBeCloseTo((resolvedAuto * MEASURES.minutesPerCase) / 60, 2);
    // SLA breach rate: of the cases handed to a person, those whose task waited past its SLA (some did, not all).
    const handed = finals.filter((c) => c.handedToPerson).length;
    const breached = finals.filter((c) => c.slaBreaches > 0).length;
    expect([k.handedToPerson, k.slaBreached]).toEqual([handed, breached]);
    expect(breached).toBeGreaterThan(0);
    expect(breached).toBeLessThan(handed);
    expect(k.slaBreachRate).toBeCloseTo(breached / handed, 10);
    const ttrs = finals
      .filter((c) => c.status === "resolved")
      .map((c) => c.closedAt! - c.openedAt)
      .sort((a, b) => a - b);
    const median = ttrs[Math.ceil(ttrs.length / 2) - 1]!;
    // Bucketed exactly: the reported median is the exact median rounded down to its bucket.
    expect(k.medianMinutesToResolution).toBeLessThanOrEqual(median / 60_000);
    expect(median / 60_000 - k.medianMinutesToResolution!).toBeLessThan(
      median < 3_600_000 ? 1 : median < DAY ? 15 : 60,
    );
    expect(k.exceptionMix.map((e) => e.type).sort()).toEqual([
      "approval",
      "charge",
      "documents",
      "provision",
      "screening-hit",
    ]);
    expect(k.exceptionMix.reduce((s, e) => s + e.share, 0)).toBeCloseTo(1, 10);
  });

  it("dead-letters a malformed batch whole, with its reason, and writes the valid ones", async () => {
    const [good] = histories(1, 1234).map((c) => c.final);
    const valid = { events: [], snapshot: good! };
    const malformed = { events: [], snapshot: { ...good!, status: "exploded" } };
    const dead: DeadLetterInput[] = [];
    const { messages, acked, retried } = await queueMessages([valid, malformed, "not json at all"]);
    const result = await consumeMetrics(messages, {
      db,
      deadLetters: {
        add: async (e) => {
          dead.push(e);
          return { id: dead.length, duplicate: false };
        },
      },
    });
    expect(result).toEqual({ written: 1, deadLettered: 2, retried: 0 });
    expect(acked.sort()).toEqual(["m0", "m1", "m2"]);
    expect(retried).toEqual([]);
    expect(dead.map((d) => [d.source, d.eventId])).toEqual([
      [METRICS_DEAD_LETTER_SOURCE, "m1"],
      [METRICS_DEAD_LETTER_SOURCE, "m2"],
    ]);
    expect(dead[0]!.reason).toMatch(/snapshot\.status/);
    expect(dead[0]!.payload).toEqual(malformed);
    const rows = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM cases WHERE case_id = ${good!.caseId}`);
    expect(Number(rows[0]!.n)).toBe(1);
  });

  it("retries only the message whose case's earlier batch has not been written, and acknowledges the rest", async () => {
    const [late, other] = histories(2, 77);
    const [first, second] = late!.batches.filter((b) => b.events.length > 0);
    const { messages, acked, retried } = await queueMessages([second!, ...other!.batches]);
    const noDeadLetters = { add: async () => ({ id: 1, duplicate: false }) };
    const result = await consumeMetrics(messages, { db, deadLetters: noDeadLetters });
    expect(result).toEqual({ written: messages.length - 1, deadLettered: 0, retried: 1 });
    expect(retried).toEqual([{ id: "m0", delaySeconds: 8 }]);
    expect(acked.sort()).toEqual(
      messages
        .slice(1)
        .map((m) => m.id)
        .sort(),
    );
    // The earlier batch arrives, then the retried one: both written, each event once, in order.
    const again = await queueMessages([first!, second!]);
    expect(await consumeMetrics(again.messages, { db, deadLetters: noDeadLetters })).toEqual({
      written: 2,
      deadLettered: 0,
      retried: 0,
    });
    const seqs = await db.all<{ seq: number }>(
      sql`SELECT seq FROM metric_events WHERE case_id = ${late!.final.caseId} ORDER BY seq`,
    );
    const sent = [...first!.events, ...second!.events].map((e) => e.seq);
    expect(seqs.map((r) => r.seq)).toEqual(sent);
  });

  it("retries every valid message with backoff when the database cannot be reached", async () => {
    const down = openDatabase({ url: "http://127.0.0.1:9" });
    const { messages, acked, retried } = await queueMessages(histories(2, 55).flatMap((c) => c.batches));
    const result = await consumeMetrics(messages, {
      db: down,
      deadLetters: { add: async () => ({ id: 1, duplicate: false }) },
    });
    expect(result.written).toBe(0);
    expect(acked).toEqual([]);
    expect(retried.length).toBe(messages.length);
    expect(retried.every((r) => r.delaySeconds === 8)).toBe(true);
  });

  it("retention prunes raw events of closed cases only, and no rollup moves", async () => {
    const before = comparable(await tallyFromRollups(db, RANGE, ["workflow", "version", "day"]));
    const pruned = await pruneRawEvents(db, { olderThanDays: 1, now: START + 60 * DAY });
    expect(pruned).toBeGreaterThan(0);
    const left = await db.all<{ status: string }>(
      sql`SELECT DISTINCT c.status FROM metric_events e JOIN cases c USING (case_id)`,
    );
    expect(left.map((r) => r.status).sort()).toEqual(["escalated", "waiting"]);
    expect(comparable(await tallyFromRollups(db, RANGE, ["workflow", "version", "day"]))).toEqual(before);
  });
});
