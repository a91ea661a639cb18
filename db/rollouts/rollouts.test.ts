/**
 * Rollout policies against a real libSQL endpoint: validation, the atomic revision-checked change with its chained
 * log entry, and the guards read from case rows.
 */
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import type { MetricsDatabase } from "../client.ts";
import { readGuardReport } from "./guards.ts";
import { nextStep, type RolloutPolicy, withCandidateShare } from "./policy.ts";
import { changePolicy, parsePolicy, RolloutError, readChanges, readPolicy, verifyRolloutChanges } from "./store.ts";

const database = useMigratedDatabase("rollouts");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

const canary = (over: Partial<RolloutPolicy> = {}): RolloutPolicy =>
  parsePolicy({
    baseline: 2,
    candidate: 3,
    shares: [
      { version: 2, percent: 90 },
      { version: 3, percent: 10 },
    ],
    guards: [{ metric: "rejectionRate", maxWorseBy: 0.1 }],
    minimumSample: 10,
    state: "canary",
    ...over,
  });

describe("rollout policies", () => {
  it("refuses a policy whose shares do not add up, name a version twice or leave out the baseline", () => {
    const refused = (input: unknown) => {
      try {
        parsePolicy(input);
        return null;
      } catch (error) {
        return error instanceof RolloutError ? error.message : String(error);
      }
    };
    expect(refused({ baseline: 2, shares: [{ version: 2, percent: 90 }] })).toContain("add up to 90 %");
    expect(
      refused({
        baseline: 2,
        shares: [
          { version: 2, percent: 50 },
          { version: 2, percent: 50 },
        ],
      }),
    ).toContain("listed twice");
    expect(refused({ baseline: 1, shares: [{ version: 2, percent: 100 }] })).toContain("baseline v1 has no share");
    expect(refused({ baseline: 2, candidate: 2, shares: [{ version: 2, percent: 100 }] })).toContain(
      "cannot be the baseline",
    );
    expect(refused({ baseline: 2, shares: [{ version: 2, percent: 100 }], steps: [50, 10] })).toContain(
      "steps must rise",
    );
    expect(refused({ baseline: 2, shares: [{ version: 2, percent: 100 }] })).toBeNull();
    // A candidate taking cases is always under its guards; one at 0 % is halted.
    const split = [
      { version: 2, percent: 80 },
      { version: 3, percent: 20 },
    ];
    expect(refused({ baseline: 2, candidate: 3, shares: split })).toContain("state canary, not steady");
    expect(refused({ baseline: 2, candidate: 3, shares: split, state: "halted" })).toContain("not halted");
    expect(
      refused({
        baseline: 2,
        candidate: 3,
        shares: [
          { version: 2, percent: 100 },
          { version: 3, percent: 0 },
        ],
        state: "canary",
      }),
    ).toContain("state halted");
  });

  it("moves the candidate through its steps, gives the baseline what it gives up, and hands over at 100 %", () => {
    const p = canary({ steps: [10, 50, 100] });
    expect(nextStep(p)).toBe(50);
    expect(withCandidateShare(p, 50).shares).toEqual([
      { version: 2, percent: 50 },
      { version: 3, percent: 50 },
    ]);
    const halted = withCandidateShare(p, 0, "halted");
    expect(halted).toMatchObject({
      state: "halted",
      shares: [
        { version: 2, percent: 100 },
        { version: 3, percent: 0 },
      ],
    });
    expect(withCandidateShare(p, 100)).toMatchObject({
      baseline: 3,
      candidate: null,
      shares: [{ version: 3, percent: 100 }],
      state: "steady",
    });
  });

  it("writes a change only from the revision read, one writer of two racing wins, and the log's chain holds", async () => {
    const first = await changePolicy(db, {
      workflowId: "wf-race",
      expectedRevision: 0,
      policy: canary(),
      actor: "person:ana via cli",
      action: "set",
      reason: "v3 canary",
      restartsStep: true,
      now: 1_000,
    });
    expect(first.revision).toBe(1);
    const race = await Promise.allSettled(
      ["halt", "promote"].map((action, i) =>
        changePolicy(db, {
          workflowId: "wf-race",
          expectedRevision: 1,
          policy: i === 0 ? withCandidateShare(first.policy, 0, "halted") : withCandidateShare(first.policy, 50),
          actor: `person:p${i}`,
          action: action as "halt" | "promote",
          reason: `racing ${action}`,
          restartsStep: true,
          now: 2_000 + i,
        }),
      ),
    );
    expect(race.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = race.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: "stale_revision" });
    expect((await readPolicy(db, "wf-race"))?.revision).toBe(2);
    const changes = await readChanges(db, "wf-race");
    expect(changes.map((c) => c.revision)).toEqual([2, 1]);
    expect(changes[1]).toMatchObject({ actor: "person:ana via cli", action: "set", reason: "v3 canary" });
    expect(await verifyRolloutChanges(db, "wf-race")).toBeNull();

    // An edited entry breaks the chain from there on.
    await db.run(
      sql`UPDATE rollout_changes SET reason = 'nothing to see' WHERE workflow_id = 'wf-race' AND revision = 1`,
    );
    expect(await verifyRolloutChanges(db, "wf-race")).toMatchObject({ problem: "its hash does not match" });
  });

  it("reads the guards from the cases each version opened since the step began, and halts only beyond the limit", async () => {
    const stored = await changePolicy(db, {
      workflowId: "wf-guards",
      expectedRevision: 0,
      policy: canary(),
      actor: "person:ana",
      action: "set",
      reason: "v3 canary",
      restartsStep: true,
      now: 10_000,
    });
    const insert = (id: string, version: number, openedAt: number, rejected: boolean) =>
      db.run(
        sql`INSERT INTO cases (case_id, case_key, workflow_id, workflow_version, status, opened_at, updated_at, proposals, proposals_rejected, handed_to_person)
            VALUES (${id}, ${id}, 'wf-guards', ${version}, 'resolved', ${openedAt}, ${openedAt}, 1, ${rejected ? 1 : 0}, 1)`,
      );
    // Before the step began: a rejection that must not count.
    await insert("old", 3, 5_000, true);
    for (let i = 0; i < 12; i++) await insert(`b${i}`, 2, 11_000 + i, false);
    for (let i = 0; i < 9; i++) await insert(`c${i}`, 3, 11_000 + i, true);
    const waiting = await readGuardReport(db, stored);
    expect(waiting.opened).toEqual({ baseline: 12, candidate: 9 });
    expect(waiting.readings[0]).toMatchObject({ status: "waiting", casesNeeded: 1 });
    expect(waiting.verdict).toBe("hold");

    // Cases that have not shown how they go do not count: one still running, one whose proposal waits for its person.
    await db.run(
      sql`INSERT INTO cases (case_id, case_key, workflow_id, workflow_version, status, opened_at, updated_at, proposals, awaiting_person)
          VALUES ('c-running', 'c-running', 'wf-guards', 3, 'running', 11050, 11050, 0, 0),
                 ('c-pending', 'c-pending', 'wf-guards', 3, 'waiting', 11060, 11060, 1, 1)`,
    );
    const still = await readGuardReport(db, stored);
    expect(still.opened.candidate).toBe(11);
    expect(still.settled.candidate).toBe(9);
    expect(still.readings[0]).toMatchObject({ status: "waiting", candidate: { sample: 9 } });

    await insert("c9", 3, 11_100, true);
    const breached = await readGuardReport(db, stored);
    expect(breached.readings[0]).toMatchObject({
      status: "breached",
      candidate: { value: 1, sample: 10 },
      baseline: { value: 0, sample: 12 },
    });
    expect(breached.readings[0]!.change!.interval!.low).toBeGreaterThan(0.1);
    expect(breached.verdict).toBe("halt");
  });
});
