/**
 * End to end over HTTP: the real `wrangler dev` worker and the real libSQL endpoint, started as processes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "@libsql/client/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueOpenedPayload, signGithubDelivery } from "../../scripts/deliveries.ts";
import { devVar } from "../../scripts/dev-vars.ts";
import { startStack, type Stack } from "../../scripts/stack.ts";
import { eventually } from "../support/wait.ts";

let stack: Stack;
let db: Client;
let dataDir: string;
let secret: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "crossflow-e2e-"));
  stack = await startStack({ dataDir, dashboard: false, quiet: true });
  db = createClient({ url: stack.libsql.url });
  secret = devVar("GITHUB_WEBHOOK_SECRET")!;
});
afterAll(async () => {
  db?.close();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const hook = (source = "github") => `${stack.worker.url}/hooks/${source}`;
const count = async (table: "cases" | "metric_events") => Number((await db.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

describe("bad input over HTTP", () => {
  it("answers unsigned, mis-signed, non-JSON, unknown-source and oversized requests with precise JSON errors and stores nothing", async () => {
    const delivery = await signGithubDelivery(secret, "issues", issueOpenedPayload("acme/e2e", 1));
    const { "x-hub-signature-256": _sig, ...unsigned } = delivery.headers;
    const cases: [string, RequestInit & { url?: string }, number, string][] = [
      ["missing signature", { headers: unsigned, body: delivery.body }, 401, "missing_signature"],
      ["wrong signature", { headers: { ...delivery.headers, "x-hub-signature-256": `sha256=${"0".repeat(64)}` }, body: delivery.body }, 401, "bad_signature"],
      ["not JSON", await signGithubDelivery(secret, "issues", "this is { not json"), 400, "invalid_json"],
      ["unknown source", { url: hook("gitlab"), headers: delivery.headers, body: delivery.body }, 404, "unknown_source"],
      ["over 1 MiB", { headers: delivery.headers, body: JSON.stringify({ pad: "x".repeat(1024 * 1024) }) }, 413, "payload_too_large"],
    ];
    for (const [name, init, status, code] of cases) {
      const res = await fetch(init.url ?? hook(), { method: "POST", headers: init.headers, body: init.body });
      expect({ name, status: res.status }).toEqual({ name, status });
      expect(res.headers.get("content-type")).toContain("application/json");
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(10);
    }
    // Give a wrongly accepted event time to surface before asserting that nothing was stored.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await count("cases")).toBe(0);
    expect(await count("metric_events")).toBe(0);
  });
});

describe("signed webhook to metrics", () => {
  it("creates a case that resolves and whose metric rows land in libSQL", async () => {
    const delivery = await signGithubDelivery(secret, "issues", issueOpenedPayload("acme/e2e", 7, "Export fails with an error"));
    const res = await fetch(hook(), { method: "POST", headers: delivery.headers, body: delivery.body });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { caseKey: string };
    expect(accepted.caseKey).toBe("github:acme/e2e#7");

    const row = await eventually(async () => {
      const rs = await db.execute({ sql: "SELECT status, outcome FROM cases WHERE case_key = ? AND status = 'resolved'", args: [accepted.caseKey] });
      return rs.rows[0];
    }, 10_000, "resolved case row");
    expect(row).toMatchObject({ status: "resolved", outcome: "triaged" });
    const kinds = (await db.execute({ sql: "SELECT kind FROM metric_events WHERE case_key = ?", args: [accepted.caseKey] })).rows.map((r) => r.kind);
    expect(kinds.sort()).toEqual(["case.opened", "case.resolved", "case.status", "step.completed", "step.completed"]);
  });

  it("turns the same delivery sent twice into one case and one set of metrics", async () => {
    const delivery = await signGithubDelivery(secret, "issues", issueOpenedPayload("acme/e2e", 8));
    const send = () => fetch(hook(), { method: "POST", headers: delivery.headers, body: delivery.body });
    const [first, second] = [await send(), await send()];
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ duplicate: true, caseKey: "github:acme/e2e#8" });

    await eventually(async () => {
      const rs = await db.execute("SELECT 1 FROM cases WHERE case_key = 'github:acme/e2e#8' AND status = 'resolved'");
      return rs.rows[0];
    }, 10_000, "resolved duplicate case");
    // A redelivery after resolution is still recognised.
    expect((await send()).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const perCase = await db.execute("SELECT count(*) AS n FROM cases WHERE case_key = 'github:acme/e2e#8'");
    expect(Number(perCase.rows[0]!.n)).toBe(1);
    const events = await db.execute("SELECT kind, count(*) AS n FROM metric_events WHERE case_key = 'github:acme/e2e#8' GROUP BY kind ORDER BY kind");
    expect(events.rows.map((r) => [r.kind, Number(r.n)])).toEqual([
      ["case.opened", 1],
      ["case.resolved", 1],
      ["case.status", 1],
      ["step.completed", 2],
    ]);
  });

  it("answers GitHub's ping and refuses events no workflow takes", async () => {
    const ping = await signGithubDelivery(secret, "ping", { zen: "Keep it logically awesome.", hook_id: 1 });
    const pong = await fetch(hook(), { method: "POST", headers: ping.headers, body: ping.body });
    expect(pong.status).toBe(200);
    const push = await signGithubDelivery(secret, "push", { ref: "refs/heads/main", repository: { full_name: "acme/e2e" } });
    const refused = await fetch(hook(), { method: "POST", headers: push.headers, body: push.body });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ error: { code: "unroutable_event" } });
  });

  it("serves health", async () => {
    const res = await fetch(`${stack.worker.url}/healthz`);
    expect(await res.json()).toEqual({ ok: true, service: "crossflow-worker" });
  });
});
