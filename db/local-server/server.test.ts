/**
 * The local libSQL endpoint must behave like Turso for the client the workers ship with (`@libsql/client/web`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createClient } from "@libsql/client/web";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, schema } from "../client.ts";
import { applyMigrations } from "../migrate.ts";
import { type LibsqlServer, startLibsqlServer } from "./server.ts";

let dir: string;
let server: LibsqlServer;
const TOKEN = "local-test-token";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crossflow-libsql-"));
  const file = join(dir, "test.db");
  await applyMigrations({ url: pathToFileURL(file).href });
  server = await startLibsqlServer({ file, authToken: TOKEN, streamIdleMs: 200 });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = () => createClient({ url: server.url, authToken: TOKEN });

describe("local libSQL endpoint", () => {
  it("round-trips every value type through the web client", async () => {
    const c = client();
    await c.execute("CREATE TABLE vals (i INTEGER, f REAL, t TEXT, b BLOB, n TEXT)");
    await c.execute({
      sql: "INSERT INTO vals VALUES (?, ?, ?, ?, ?)",
      args: [9007199254740993n, 1.5, "héllo", new Uint8Array([1, 2, 255]), null],
    });
    const rs = await c.execute({ sql: "SELECT f, t, b, n FROM vals WHERE t = :t", args: { t: "héllo" } });
    expect(rs.columns).toEqual(["f", "t", "b", "n"]);
    const row = rs.rows[0]!;
    expect(row.f).toBe(1.5);
    expect(row.t).toBe("héllo");
    expect(new Uint8Array(row.b as ArrayBuffer)).toEqual(new Uint8Array([1, 2, 255]));
    expect(row.n).toBeNull();
    const big = await createClient({ url: server.url, authToken: TOKEN, intMode: "bigint" }).execute(
      "SELECT i FROM vals",
    );
    expect(big.rows[0]!.i).toBe(9007199254740993n);
    c.close();
  });

  it("serves the drizzle schema with migrations applied, and batches are atomic", async () => {
    const db = openDatabase({ url: server.url, authToken: TOKEN });
    const row = {
      caseId: "w/k1",
      caseKey: "k1",
      workflowId: "w",
      workflowVersion: 1,
      status: "open" as const,
      openedAt: 1,
      updatedAt: 1,
    };
    await db.insert(schema.cases).values(row);
    await expect(
      db.batch([
        db.insert(schema.cases).values({ ...row, caseId: "w/k2", caseKey: "k2" }),
        db.insert(schema.cases).values(row),
      ]),
    ).rejects.toThrow();
    expect(await db.select().from(schema.cases).where(eq(schema.cases.caseKey, "k2"))).toEqual([]);
    expect(await db.select({ k: schema.cases.caseKey }).from(schema.cases)).toEqual([{ k: "k1" }]);
  });

  it("answers a statement it has prepared before as new: after a schema change, another writer, and past its keep", async () => {
    const c = client();
    await c.execute("CREATE TABLE kept (a INTEGER)");
    await c.execute({ sql: "INSERT INTO kept VALUES (?)", args: [1] });
    expect((await c.execute("SELECT * FROM kept")).columns).toEqual(["a"]);
    // The same text after the table gained a column: its columns and rows as of now.
    await c.execute("ALTER TABLE kept ADD COLUMN b TEXT DEFAULT 'x'");
    const widened = await c.execute("SELECT * FROM kept");
    expect(widened.columns).toEqual(["a", "b"]);
    expect(widened.rows.map((r) => [r.a, r.b])).toEqual([[1, "x"]]);
    // Rows another client wrote in between are seen by the kept statement.
    const other = client();
    await other.execute({ sql: "INSERT INTO kept VALUES (?, ?)", args: [2, "y"] });
    expect((await c.execute("SELECT count(*) AS n FROM kept")).rows[0]!.n).toBe(2);
    // Many distinct statements (more than are kept) and then the first again: still answered right.
    for (let i = 0; i < 80; i++) await c.execute(`SELECT ${i} AS v, count(*) AS n FROM kept`);
    expect((await c.execute("SELECT * FROM kept ORDER BY a")).rows.map((r) => r.b)).toEqual(["x", "y"]);
    c.close();
    other.close();
  });

  it("rolls back an interactive transaction that throws", async () => {
    const db = openDatabase({ url: server.url, authToken: TOKEN });
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(schema.cases).values({
          caseId: "w/tx",
          caseKey: "tx",
          workflowId: "w",
          workflowVersion: 1,
          status: "open",
          openedAt: 1,
          updatedAt: 1,
        });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await db.select().from(schema.cases).where(eq(schema.cases.caseKey, "tx"))).toEqual([]);
  });

  it("refuses a request without the auth token", async () => {
    const anonymous = createClient({ url: server.url });
    await expect(anonymous.execute("SELECT 1")).rejects.toThrow(/401|auth/i);
    const bare = await fetch(`${server.url}/v2/pipeline`, {
      method: "POST",
      body: JSON.stringify({ requests: [{ type: "execute", stmt: { sql: "SELECT 1" } }, { type: "close" }] }),
    });
    expect(bare.status).toBe(401);
    expect(bare.headers.get("content-type")).toBe("application/json");
    expect(await bare.json()).toEqual({ message: "missing or wrong auth token" });
  });

  it("refuses a wrong token (another value, a prefix, another scheme) and serves the right one", async () => {
    const wrong = createClient({ url: server.url, authToken: "not-the-token" });
    await expect(wrong.execute("SELECT 1")).rejects.toThrow(/401|auth/i);
    const pipeline = (authorization: string) =>
      fetch(`${server.url}/v2/pipeline`, {
        method: "POST",
        headers: { authorization },
        body: JSON.stringify({ requests: [{ type: "execute", stmt: { sql: "SELECT 1 AS one" } }, { type: "close" }] }),
      });
    for (const authorization of [
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN}x`,
      `Basic ${TOKEN}`,
      TOKEN,
      "Bearer ",
    ]) {
      const refused = await pipeline(authorization);
      expect(refused.status, authorization).toBe(401);
      expect(await refused.json()).toEqual({ message: "missing or wrong auth token" });
    }
    const served = await pipeline(`Bearer ${TOKEN}`);
    expect(served.status).toBe(200);
    expect(((await served.json()) as { results: { type: string }[] }).results[0]).toMatchObject({ type: "ok" });
    expect((await fetch(`${server.url}/v2`, { headers: { authorization: "Bearer nope" } })).status).toBe(401);
    expect((await client().execute("SELECT 1 AS one")).rows[0]!.one).toBe(1);
  });

  it("listens on 127.0.0.1 unless told otherwise, and serves anyone on loopback only when no token is configured", async () => {
    expect(new URL(server.url).hostname).toBe("127.0.0.1");
    const open = await startLibsqlServer({ file: join(dir, "open.db") });
    try {
      expect(new URL(open.url).hostname).toBe("127.0.0.1");
      expect((await createClient({ url: open.url }).execute("SELECT 2 AS two")).rows[0]!.two).toBe(2);
    } finally {
      await open.close();
    }
  });

  it("answers malformed requests, unknown routes and expired streams with JSON errors", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const bad = await fetch(`${server.url}/v2/pipeline`, { method: "POST", headers: auth, body: "{nope" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ message: "body is not JSON" });
    const missing = await fetch(`${server.url}/v9/pipeline`, { method: "POST", headers: auth, body: "{}" });
    expect(missing.status).toBe(404);
    const open = await fetch(`${server.url}/v2/pipeline`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ requests: [{ type: "execute", stmt: { sql: "SELECT 1" } }] }),
    });
    const { baton } = (await open.json()) as { baton: string };
    await new Promise((r) => setTimeout(r, 300));
    const expired = await fetch(`${server.url}/v2/pipeline`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ baton, requests: [] }),
    });
    expect(expired.status).toBe(400);
    expect(await expired.json()).toMatchObject({ code: "STREAM_EXPIRED" });
  });
});
