/** Policy versions against a real libSQL endpoint (the local server over HTTP, the client the worker uses). */
import { beforeAll, describe, expect, it } from "vitest";
import { useMigratedDatabase } from "../test/support/libsql-server.ts";
import type { MetricsDatabase } from "./client.ts";
import {
  PolicyVersionError,
  policyChangesByWorkflow,
  policyHistory,
  readPolicyVersions,
  rollBackPolicy,
  savePolicyVersion,
  versionInForce,
} from "./policies.ts";

const database = useMigratedDatabase("policies");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

const base = { workflowId: "refund-dispute", name: "refund-limits", who: "person:ana" };

describe("policy versions", () => {
  it("numbers each save, refuses one based on a version that is no longer the newest, and rolls back as a new version", async () => {
    const v1 = await savePolicyVersion(db, {
      ...base,
      value: { capMinor: 10_000 },
      effectiveFrom: 1_000,
      why: "first cap",
      basedOn: 0,
      now: 1_000,
    });
    expect(v1).toMatchObject({ version: 1, value: { capMinor: 10_000 }, rollbackOf: null, createdAt: 1_000 });
    await savePolicyVersion(db, {
      ...base,
      value: { capMinor: 5_000 },
      effectiveFrom: 2_000,
      why: "Q3: lower cap",
      basedOn: 1,
      now: 2_000,
    });
    const stale = savePolicyVersion(db, {
      ...base,
      who: "person:bo",
      value: { capMinor: 1 },
      effectiveFrom: 2_000,
      why: "an edit begun before version 2",
      basedOn: 1,
      now: 2_100,
    });
    await expect(stale).rejects.toThrow(PolicyVersionError);
    await expect(stale).rejects.toThrow(/version 2 is the newest/);

    const rolled = await rollBackPolicy(db, {
      ...base,
      to: 1,
      why: "the lower cap refused too many",
      basedOn: 2,
      effectiveFrom: 3_000,
      now: 3_000,
    });
    expect(rolled).toMatchObject({ version: 3, value: { capMinor: 10_000 }, rollbackOf: 1 });
    await expect(
      rollBackPolicy(db, { ...base, to: 9, why: "x", basedOn: 3, effectiveFrom: 1, now: 1 }),
    ).rejects.toThrow(/has no version 9/);

    const history = await policyHistory(db, "refund-dispute", "refund-limits");
    expect(history.map((h) => [h.version, h.why])).toEqual([
      [3, "the lower cap refused too many"],
      [2, "Q3: lower cap"],
      [1, "first cap"],
    ]);
  });

  it("finds the version in force at a moment: the latest effective-from not after it, a scheduled one only from its time", async () => {
    await savePolicyVersion(db, {
      ...base,
      name: "scheduled",
      value: { capMinor: 1 },
      effectiveFrom: 10_000,
      why: "next quarter",
      basedOn: 0,
      now: 1_000,
    });
    await savePolicyVersion(db, {
      ...base,
      name: "scheduled",
      value: { capMinor: 2 },
      effectiveFrom: 1_000,
      why: "now",
      basedOn: 1,
      now: 1_000,
    });
    const rows = (await readPolicyVersions(db)).filter((r) => r.name === "scheduled");
    expect(versionInForce(rows, 500)).toBeNull();
    expect(versionInForce(rows, 5_000)?.version).toBe(2);
    expect(versionInForce(rows, 10_000)?.version).toBe(1);
  });

  it("counts each workflow's policy changes that took effect in a window, rollbacks included", async () => {
    const day = 86_400_000;
    const at = (d: number) => 20_000 * day + d * day;
    const save = (workflowId: string, version: number, effectiveFrom: number) =>
      savePolicyVersion(db, {
        workflowId,
        name: "limits",
        who: "person:ana",
        value: { capMinor: version },
        effectiveFrom,
        why: `change ${version}`,
        basedOn: version - 1,
        now: effectiveFrom,
      });
    await save("readiness-a", 1, at(1));
    await save("readiness-a", 2, at(40));
    await save("readiness-a", 3, at(95)); // after the window
    await save("readiness-b", 1, at(0) - 1); // before it
    await rollBackPolicy(db, {
      workflowId: "readiness-a",
      name: "limits",
      to: 1,
      basedOn: 3,
      who: "person:bo",
      why: "back",
      now: at(60),
      effectiveFrom: at(60),
    });
    const changes = await policyChangesByWorkflow(db, at(0), at(90));
    expect(changes.get("readiness-a")).toBe(3);
    expect(changes.get("readiness-b")).toBeUndefined();
  });
});
