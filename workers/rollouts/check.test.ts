/**
 * The guard check's actions against a real libSQL endpoint: promote when the guards hold over the sample (or propose
 * it, once, when an admin decides), halt on a breach, and write each action to the chained log as the guard.
 */
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { MetricsDatabase } from "../../db/client.ts";
import { changePolicy, readChanges, readPolicy, verifyRolloutChanges } from "../../db/rollouts/store.ts";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import { checkRollouts } from "./check.ts";

const database = useMigratedDatabase("rollout-check");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

async function canary(workflowId: string, promotion: "automatic" | "approval") {
  await changePolicy(db, {
    workflowId,
    expectedRevision: 0,
    policy: {
      baseline: 1,
      candidate: 2,
      shares: [
        { version: 1, percent: 90 },
        { version: 2, percent: 10 },
      ],
      guards: [
        { metric: "errorRate", maxWorseBy: 0.05 },
        { metric: "rejectionRate", maxWorseBy: 0.1 },
      ],
      minimumSample: 20,
      steps: [10, 50, 100],
      promotion,
      state: "canary",
    },
    actor: "person:ana",
    action: "set",
    reason: "v2 canary",
    restartsStep: true,
    now: 1_000,
  });
}

async function cases(workflowId: string, version: number, count: number, facts: { errored?: boolean } = {}) {
  for (let i = 0; i < count; i++) {
    const id = `${workflowId}/v${version}-${i}-${Math.random()}`;
    await db.run(
      sql`INSERT INTO cases (case_id, case_key, workflow_id, workflow_version, status, opened_at, updated_at, errored, proposals)
          VALUES (${id}, ${id}, ${workflowId}, ${version}, 'resolved', ${Date.now()}, ${Date.now()}, ${facts.errored ? 1 : 0}, 1)`,
    );
  }
}

describe("the guard check", () => {
  it("moves a candidate whose guards hold to its next step, and restarts the count there", async () => {
    await canary("wf-auto", "automatic");
    await cases("wf-auto", 1, 25);
    await cases("wf-auto", 2, 19);
    expect((await checkRollouts(db, { config: {} }))[0]).toMatchObject({ verdict: "hold", action: null });
    await cases("wf-auto", 2, 1);
    const [outcome] = await checkRollouts(db, { config: {}, only: "wf-auto" });
    expect(outcome).toMatchObject({ verdict: "promote", action: "auto-promote", revision: 2 });
    const stored = await readPolicy(db, "wf-auto");
    expect(stored?.policy.shares).toEqual([
      { version: 1, percent: 50 },
      { version: 2, percent: 50 },
    ]);
    expect(stored?.stepStartedAt).toBeGreaterThan(1_000);
    // The new step counts only the cases opened since it began.
    expect((await checkRollouts(db, { config: {}, only: "wf-auto" }))[0]).toMatchObject({ verdict: "hold" });
    const [change] = await readChanges(db, "wf-auto", 1);
    expect(change).toMatchObject({ actor: "guard", action: "auto-promote" });
    expect(change!.reason).toBe("every guard held over 20 cases at 10 %");
  });

  it("proposes the next step once when an admin decides, and halts a candidate that breaches a guard", async () => {
    await canary("wf-approval", "approval");
    await cases("wf-approval", 1, 20);
    await cases("wf-approval", 2, 20);
    expect((await checkRollouts(db, { config: {}, only: "wf-approval" }))[0]).toMatchObject({
      action: "promotion-proposed",
    });
    expect((await readPolicy(db, "wf-approval"))?.policy).toMatchObject({
      state: "awaiting-approval",
      shares: [
        { version: 1, percent: 90 },
        { version: 2, percent: 10 },
      ],
    });
    expect((await checkRollouts(db, { config: {}, only: "wf-approval" }))[0]).toMatchObject({ action: null });

    // Ten more candidate cases, all failed: the error rate is now far beyond five points worse.
    await cases("wf-approval", 2, 10, { errored: true });
    const [halt] = await checkRollouts(db, { config: {}, only: "wf-approval" });
    expect(halt).toMatchObject({ verdict: "halt", action: "auto-halt", notified: { told: [], failed: [] } });
    const after = await readPolicy(db, "wf-approval");
    expect(after?.policy).toMatchObject({ state: "halted", candidate: 2 });
    const [change] = await readChanges(db, "wf-approval", 1);
    expect(change!.reason).toBe("Error rate worse than v1 beyond the limit");
    expect(await verifyRolloutChanges(db, "wf-approval")).toBeNull();
  });
});
