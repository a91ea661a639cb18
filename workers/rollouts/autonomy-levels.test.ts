/**
 * The agent step's view of the autonomy levels, against a real libSQL endpoint: read at most once per REFRESH_MS (at
 * once after this instance changed one), null for an action never changed, and the last levels read kept in force
 * when the database goes away.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { databaseSource, openDatabase } from "../../db/client.ts";
import { startLibsqlServer } from "../../db/local-server/server.ts";
import { applyMigrations } from "../../db/migrate.ts";
import { changeAutonomy, readAutonomy } from "../../db/rollouts/autonomy-store.ts";
import { autonomyLevels, forgetAutonomyLevels, REFRESH_MS } from "./autonomy-levels.ts";

const dir = mkdtempSync(join(tmpdir(), "crossflow-autonomy-levels-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("autonomy levels for agent steps", () => {
  it("sees a change within REFRESH_MS (at once when forgotten) and keeps the last levels read through an outage", async () => {
    const file = join(dir, "metrics.db");
    await applyMigrations({ url: pathToFileURL(file).href });
    const server = await startLibsqlServer({ file });
    const db = openDatabase({ url: server.url });
    const move = async (kind: "promoted" | "demoted", toLevel: number, now: number) =>
      changeAutonomy(db, {
        workflowId: "refund-dispute",
        action: "refund",
        from: await readAutonomy(db, "refund-dispute", "refund", 1),
        kind,
        toLevel,
        actor: "person:test",
        reason: `to ${toLevel}`,
        now,
      });
    let now = 1_000_000;
    const level = autonomyLevels(databaseSource({ url: server.url }), () => now);
    expect(await level("refund-dispute", "refund")).toBeNull();

    await move("promoted", 2, 1);
    now += REFRESH_MS - 1;
    expect(await level("refund-dispute", "refund")).toBeNull();
    now += 2;
    expect(await level("refund-dispute", "refund")).toBe(2);
    expect(await level("refund-dispute", "credit")).toBeNull();

    await move("demoted", 1, 2);
    forgetAutonomyLevels();
    expect(await level("refund-dispute", "refund")).toBe(1);

    await server.close();
    now += REFRESH_MS + 1;
    expect(await level("refund-dispute", "refund")).toBe(1);
    // An instance that never managed to read any: every action on its most careful rung (it may have been demoted).
    // (another token names another source, so this reader holds nothing yet)
    const fresh = autonomyLevels(databaseSource({ url: server.url, authToken: "another" }), () => now);
    expect(await fresh("refund-dispute", "refund")).toBe(0);
    // No database configured at all: nothing was ever changed, so each action is on its declared start.
    expect(await autonomyLevels(null)("refund-dispute", "refund")).toBeNull();
  });
});
