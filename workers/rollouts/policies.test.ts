/**
 * The policy port `step.policy` reads, against a real libSQL endpoint: a saved version in force within REFRESH_MS
 * (at once when forgotten), a scheduled one from its moment without another read, the versions last read kept through
 * an outage, and a read refused by an instance that never managed to read any.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { databaseSource, openDatabase } from "../../db/client.ts";
import { startLibsqlServer } from "../../db/local-server/server.ts";
import { applyMigrations } from "../../db/migrate.ts";
import { savePolicyVersion } from "../../db/policies.ts";
import { forgetPolicyVersions, policiesInForce, REFRESH_MS } from "./policies.ts";

const dir = mkdtempSync(join(tmpdir(), "crossflow-policies-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("policy versions for step.policy", () => {
  it("sees a save within REFRESH_MS, a scheduled version from its moment, and keeps the last read through an outage", async () => {
    const file = join(dir, "metrics.db");
    await applyMigrations({ url: pathToFileURL(file).href });
    const server = await startLibsqlServer({ file });
    const db = openDatabase({ url: server.url });
    let now = 1_000_000;
    const save = (capMinor: number, basedOn: number, effectiveFrom: number) =>
      savePolicyVersion(db, {
        workflowId: "refund-dispute",
        name: "refund-limits",
        value: { capMinor },
        effectiveFrom,
        who: "person:test",
        why: `cap ${capMinor}`,
        basedOn,
        now,
      });
    const policies = policiesInForce(databaseSource({ url: server.url }), () => now);
    expect(await policies.inForce("refund-dispute", "refund-limits")).toBeNull();

    await save(5_000, 0, now);
    now += REFRESH_MS - 1;
    expect(await policies.inForce("refund-dispute", "refund-limits")).toBeNull();
    now += 2;
    expect(await policies.inForce("refund-dispute", "refund-limits")).toEqual({
      version: 1,
      value: { capMinor: 5_000 },
    });
    expect(await policies.inForce("refund-dispute", "other")).toBeNull();

    // Scheduled a minute ahead: read now, in force from its moment without another read.
    await save(7_000, 1, now + 60_000);
    forgetPolicyVersions();
    expect(await policies.inForce("refund-dispute", "refund-limits")).toMatchObject({ version: 1 });
    await server.close();
    now += 60_000;
    expect(await policies.inForce("refund-dispute", "refund-limits")).toEqual({
      version: 2,
      value: { capMinor: 7_000 },
    });

    // An instance that never read any refuses rather than decide under defaults an admin may have replaced.
    const fresh = policiesInForce(databaseSource({ url: server.url, authToken: "another" }), () => now);
    await expect(fresh.inForce("refund-dispute", "refund-limits")).rejects.toThrow(/could not be read/);
    // No database configured at all: nothing was ever changed.
    expect(await policiesInForce(null).inForce("refund-dispute", "refund-limits")).toBeNull();
  });
});
