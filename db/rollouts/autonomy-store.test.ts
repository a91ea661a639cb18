/** The autonomy store on a real libSQL endpoint: proposals, demotions, the revision check and the chained log. */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import type { MetricsDatabase } from "../client.ts";
import { actionOutcomes, autonomyChanges, cases } from "../schema.ts";
import type { AutonomyRule } from "./autonomy.ts";
import { readLevelKpis, recordReversal } from "./autonomy-evidence.ts";
import {
  AutonomyError,
  changeAutonomy,
  readAutonomy,
  readAutonomyChanges,
  reviewAutonomy,
  verifyAutonomyChanges,
} from "./autonomy-store.ts";

const database = useMigratedDatabase("autonomy-store");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

const RULE: AutonomyRule = { rungs: 3, start: 0, promoteAfter: { cases: 3, agreement: 1 }, demoteOn: {} };

async function outcome(workflowId: string, n: number, level: number, result: string, at: number) {
  await db.insert(actionOutcomes).values({
    caseId: `${workflowId}/customer:${n}`,
    stepId: `triage:refund:call-${n}`,
    workflowId,
    workflowVersion: 1,
    action: "refund",
    level,
    amount: 3_000,
    outcome: result,
    at,
  });
}

describe("autonomy store", () => {
  it("proposes once the evidence holds, and only once; an admin's promotion moves the level and restarts the count", async () => {
    const wf = "store-propose";
    for (const n of [1, 2]) await outcome(wf, n, 0, "approved", 100 + n);
    expect(await reviewAutonomy(db, { workflowId: wf, action: "refund", rule: RULE }, 1_000)).toMatchObject({
      kind: "hold",
      applied: false,
    });
    await outcome(wf, 3, 0, "approved", 103);
    expect(await reviewAutonomy(db, { workflowId: wf, action: "refund", rule: RULE }, 1_000)).toMatchObject({
      kind: "propose",
      to: 1,
      applied: true,
    });
    expect(await reviewAutonomy(db, { workflowId: wf, action: "refund", rule: RULE }, 1_001)).toMatchObject({
      kind: "hold",
      reason: "level 1 is proposed already, waiting for an admin",
    });
    const proposed = await readAutonomy(db, wf, "refund", 0);
    expect(proposed).toMatchObject({ level: 0, proposedLevel: 1, since: null, revision: 1 });

    await changeAutonomy(db, {
      workflowId: wf,
      action: "refund",
      from: proposed,
      kind: "promoted",
      toLevel: 1,
      actor: "person:ada",
      reason: "evidence holds",
      now: 2_000,
    });
    expect(await readAutonomy(db, wf, "refund", 0)).toEqual({
      level: 1,
      proposedLevel: null,
      since: 2_000,
      revision: 2,
    });
    // Proposals decided before the promotion are not evidence for the level it produced.
    expect(await reviewAutonomy(db, { workflowId: wf, action: "refund", rule: RULE }, 2_001)).toMatchObject({
      kind: "hold",
      reason: "0 of 3 proposals decided at this level",
    });
    expect((await readAutonomyChanges(db, wf, "refund")).map((c) => `${c.kind}:${c.actor}`)).toEqual([
      "promoted:person:ada",
      "proposed:autonomy-check",
    ]);
  });

  it("withdraws a pending proposal once a rejection comes in at the first rung", async () => {
    const wf = "store-withdraw";
    for (const n of [1, 2, 3]) await outcome(wf, n, 0, "approved", 100 + n);
    expect((await reviewAutonomy(db, { workflowId: wf, action: "refund", rule: RULE }, 200)).kind).toBe("propose");
    await outcome(wf, 4, 0, "rejected", 210);
    expect(await reviewAutonomy(db, { workflowId: wf, action: "refund", rule: RULE }, 300)).toMatchObject({
      kind: "withdraw",
      applied: true,
    });
    expect(await readAutonomy(db, wf, "refund", 0)).toMatchObject({ level: 0, proposedLevel: null });
    expect((await readAutonomyChanges(db, wf, "refund")).map((c) => `${c.kind}:${c.fromLevel}->${c.toLevel}`)).toEqual([
      "withdrawn:0->0",
      "proposed:0->1",
    ]);
  });

  it("refuses a change from a revision that moved meanwhile, and logs nothing for it", async () => {
    const wf = "store-stale";
    const read = await readAutonomy(db, wf, "refund", 1);
    await changeAutonomy(db, {
      workflowId: wf,
      action: "refund",
      from: read,
      kind: "demoted",
      toLevel: 0,
      actor: "person:a",
      reason: "first",
      now: 10,
    });
    await expect(
      changeAutonomy(db, {
        workflowId: wf,
        action: "refund",
        from: read,
        kind: "demoted",
        toLevel: 0,
        actor: "person:b",
        reason: "second",
        now: 11,
      }),
    ).rejects.toThrow(AutonomyError);
    expect(await readAutonomyChanges(db, wf, "refund")).toHaveLength(1);
  });

  it("demotes once on a rejection at the level in force, and a reversal is recorded beside the action", async () => {
    const wf = "store-demote";
    const from = await readAutonomy(db, wf, "refund", 0);
    await changeAutonomy(db, {
      workflowId: wf,
      action: "refund",
      from,
      kind: "promoted",
      toLevel: 2,
      actor: "person:a",
      reason: "set up",
      now: 100,
    });
    await outcome(wf, 1, 2, "alone", 150);
    await outcome(wf, 2, 2, "rejected", 160);
    expect(await reviewAutonomy(db, { workflowId: wf, action: "refund", rule: RULE }, 200)).toMatchObject({
      kind: "demote",
      to: 1,
      applied: true,
    });
    // The rejection is before the demotion: it cannot take the level down again.
    expect((await reviewAutonomy(db, { workflowId: wf, action: "refund", rule: RULE }, 201)).kind).toBe("hold");

    const caseId = `${wf}/customer:1`;
    const reversal = { workflowId: wf, action: "refund", caseId, step: "triage:refund:call-1", now: 300 };
    expect(await recordReversal(db, reversal)).toEqual({ level: 2, outcomeBefore: "alone", recorded: true });
    expect(await recordReversal(db, reversal)).toEqual({ level: 2, outcomeBefore: "alone", recorded: false });
    expect(await recordReversal(db, { ...reversal, step: "triage:refund:none" })).toBeNull();
    const rows = await db.select().from(actionOutcomes).where(eq(actionOutcomes.caseId, caseId));
    expect(rows.map((r) => `${r.stepId}=${r.outcome}`).sort()).toEqual([
      "triage:refund:call-1#reversal=reversed",
      "triage:refund:call-1=alone",
    ]);
    // Taken at level 2, above the level in force (1): it demotes again.
    expect(await reviewAutonomy(db, { workflowId: wf, action: "refund", rule: RULE }, 301)).toMatchObject({
      kind: "demote",
      to: 0,
    });
  });

  it("finds an edited entry of the change log", async () => {
    const wf = "store-chain";
    let from = await readAutonomy(db, wf, "refund", 1);
    from = await changeAutonomy(db, {
      workflowId: wf,
      action: "refund",
      from,
      kind: "demoted",
      toLevel: 0,
      actor: "person:a",
      reason: "one",
      now: 1,
    });
    await changeAutonomy(db, {
      workflowId: wf,
      action: "refund",
      from,
      kind: "proposed",
      toLevel: 1,
      actor: "autonomy-check",
      reason: "two",
      now: 2,
    });
    expect(await verifyAutonomyChanges(db, wf, "refund")).toBeNull();
    const [first] = await readAutonomyChanges(db, wf, "refund", 1);
    await db.update(autonomyChanges).set({ reason: "rewritten" }).where(eq(autonomyChanges.id, first!.id));
    expect(await verifyAutonomyChanges(db, wf, "refund")).toEqual({
      id: first!.id,
      problem: "its hash does not match",
    });
  });

  it("demotes on an error spike among the cases it acted alone in, and reports each level's case KPIs", async () => {
    const wf = "store-errors";
    const rule: AutonomyRule = { ...RULE, demoteOn: { errorRate: { rate: 0.5, minCases: 2 } } };
    const from = await readAutonomy(db, wf, "refund", 0);
    await changeAutonomy(db, {
      workflowId: wf,
      action: "refund",
      from,
      kind: "promoted",
      toLevel: 1,
      actor: "person:a",
      reason: "set up",
      now: 100,
    });
    for (const [n, errored] of [
      [1, false],
      [2, true],
    ] as const) {
      await db.insert(cases).values({
        caseId: `${wf}/customer:${n}`,
        caseKey: `customer:${n}`,
        workflowId: wf,
        workflowVersion: 1,
        status: errored ? "escalated" : "resolved",
        openedAt: 140,
        updatedAt: 160,
        closedAt: errored ? null : 160,
        errored,
        escalated: errored,
      });
      await outcome(wf, n, 1, "alone", 150 + n);
    }
    expect(await readLevelKpis(db, wf, "refund")).toEqual(
      new Map([[1, { cases: 2, resolved: 1, autonomous: 1, escalated: 1, errored: 1 }]]),
    );
    const verdict = await reviewAutonomy(db, { workflowId: wf, action: "refund", rule }, 200);
    expect(verdict).toMatchObject({ kind: "demote", to: 0, applied: true });
    expect(verdict.reason).toBe("1 of 2 cases it acted alone in ended in error (50 %, limit 50 %)");
  });
});
