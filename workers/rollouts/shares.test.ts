/**
 * The ingest path's view of the rollout policies, against a real libSQL endpoint: read at most once per REFRESH_MS,
 * changes seen after it, and the last policies read kept in force when the database goes away.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { databaseSource, openDatabase } from "../../db/client.ts";
import { startLibsqlServer } from "../../db/local-server/server.ts";
import { applyMigrations } from "../../db/migrate.ts";
import { changePolicy } from "../../db/rollouts/store.ts";
import { REFRESH_MS, rolloutShares } from "./shares.ts";

const dir = mkdtempSync(join(tmpdir(), "crossflow-shares-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rollout shares on the ingest path", () => {
  it("sees a change within REFRESH_MS, not before, and keeps the last shares read through an outage", async () => {
    const file = join(dir, "metrics.db");
    await applyMigrations({ url: pathToFileURL(file).href });
    const server = await startLibsqlServer({ file });
    const db = openDatabase({ url: server.url });
    const set = (expectedRevision: number, candidatePercent: number) =>
      changePolicy(db, {
        workflowId: "refund-dispute",
        expectedRevision,
        policy: {
          baseline: 2,
          candidate: 3,
          shares: [
            { version: 2, percent: 100 - candidatePercent },
            { version: 3, percent: candidatePercent },
          ],
          state: "canary",
        },
        actor: "person:test",
        action: "set",
        reason: `v3 at ${candidatePercent} %`,
        restartsStep: true,
        now: 1,
      });
    await set(0, 10);
    let now = 1_000_000;
    const shares = rolloutShares(databaseSource({ url: server.url }), () => now);
    const v3 = async () => (await shares()).get("refund-dispute")?.find((s) => s.version === 3)?.percent;
    expect(await v3()).toBe(10);

    await set(1, 50);
    now += REFRESH_MS - 1;
    expect(await v3()).toBe(10);
    now += 2;
    expect(await v3()).toBe(50);

    await server.close();
    now += REFRESH_MS + 1;
    expect(await v3()).toBe(50);
    // An instance that never read any opens new cases on the newest version (no shares) rather than refuse events.
    expect((await rolloutShares(databaseSource({ url: server.url }), () => now)()).size).toBe(0);
  });
});
