/**
 * API keys against a real libSQL endpoint (the local server over HTTP, the client the worker uses).
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { useMigratedDatabase } from "../test/support/libsql-server.ts";
import { ApiKeyError, checkApiKey, createApiKey, listApiKeys, revokeApiKey } from "./api-keys.ts";
import type { MetricsDatabase } from "./client.ts";
import { apiKeys } from "./schema.ts";

const database = useMigratedDatabase("api-keys");
/** The secret part of `cfk_<12-character id>_<secret>` (the secret is base64url, so it may itself hold `_`). */
const secretOf = (key: string) => key.slice("cfk_".length + 12 + 1);
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

describe("API keys", () => {
  it("shows the key once, keeps only its SHA-256, and identifies the caller as the key's holder with its role and scope", async () => {
    const { key, row } = await createApiKey(db, {
      name: "Zendesk macros",
      role: "operator",
      taskRoles: "Compliance, finance",
      workflows: ["refund-dispute"],
      createdBy: "admin",
      now: 1_000,
    });
    expect(key).toMatch(/^cfk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(row).toMatchObject({
      name: "Zendesk macros",
      holder: "zendesk-macros",
      role: "operator",
      taskRoles: ["compliance", "finance"],
      workflows: ["refund-dispute"],
      createdBy: "admin",
      lastUsedAt: null,
      revokedAt: null,
    });
    const [stored] = await db.select().from(apiKeys).where(eq(apiKeys.id, row.id));
    expect(stored!.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(secretOf(key)).toHaveLength(43);
    expect(JSON.stringify(stored)).not.toContain(secretOf(key));
    expect(await checkApiKey(db, key, 5_000)).toEqual({
      caller: {
        keyId: row.id,
        holder: "zendesk-macros",
        role: "operator",
        taskRoles: ["compliance", "finance"],
        workflows: ["refund-dispute"],
        onBehalf: false,
      },
    });
  });

  it("refuses a malformed key, a key with the right id and a wrong secret, and a revoked key from its next call on", async () => {
    const { key, row } = await createApiKey(db, {
      name: "billing sync",
      holder: "billing-bot",
      role: "viewer",
      createdBy: "admin",
    });
    expect(await checkApiKey(db, "cfk_short")).toEqual({ refused: "malformed_key" });
    const forged = key.slice(0, -4) + (key.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect(await checkApiKey(db, forged)).toEqual({ refused: "unknown_key" });
    expect(await checkApiKey(db, `cfk_${"0".repeat(12)}_${secretOf(key)}`)).toEqual({ refused: "unknown_key" });
    expect("caller" in (await checkApiKey(db, key))).toBe(true);
    expect(await revokeApiKey(db, row.id, "admin-2", 9_000)).toBe(true);
    expect(await revokeApiKey(db, row.id, "admin-2")).toBe(false);
    expect(await checkApiKey(db, key)).toEqual({ refused: "revoked_key" });
    const listed = (await listApiKeys(db)).find((k) => k.id === row.id);
    expect(listed).toMatchObject({ revokedAt: 9_000, revokedBy: "admin-2", workflows: null });
    expect(listed).not.toHaveProperty("secretHash");
  });

  it("records when a key was last used, at most once a minute", async () => {
    const { key, row } = await createApiKey(db, { name: "poller", role: "viewer", createdBy: "admin" });
    const lastUsed = async () => (await listApiKeys(db)).find((k) => k.id === row.id)!.lastUsedAt;
    await checkApiKey(db, key, 100_000);
    expect(await lastUsed()).toBe(100_000);
    await checkApiKey(db, key, 130_000);
    expect(await lastUsed()).toBe(100_000);
    await checkApiKey(db, key, 170_001);
    expect(await lastUsed()).toBe(170_001);
  });

  it("refuses a key without a usable name, holder, role or workflow id", async () => {
    await expect(createApiKey(db, { name: "", role: "viewer", createdBy: "admin" })).rejects.toThrow(ApiKeyError);
    await expect(
      createApiKey(db, { name: "ok", holder: "Bad Holder!", role: "viewer", createdBy: "admin" }),
    ).rejects.toThrow(/holder/);
    await expect(createApiKey(db, { name: "ok", role: "superuser", createdBy: "admin" })).rejects.toThrow(
      /Unknown role "superuser"/,
    );
    await expect(
      createApiKey(db, { name: "ok", role: "viewer", workflows: "refund dispute;drop", createdBy: "admin" }),
    ).rejects.toThrow(/Workflow "dispute;drop"/);
  });
});
