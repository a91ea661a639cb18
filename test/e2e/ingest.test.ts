/**
 * End to end over HTTP: the real `wrangler dev` worker and the real libSQL endpoint, started as processes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient } from "@libsql/client/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devVar } from "../../scripts/dev-vars.ts";
import { issueOpenedPayload, post, type SignedRequest, sign, stripeInvoiceEvent } from "../../scripts/senders.ts";
import { type Stack, startStack } from "../../scripts/stack.ts";
import { eventually } from "../support/wait.ts";

let stack: Stack;
let db: Client;
let dataDir: string;
const secret = (name: string) => devVar(name)!;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "crossflow-e2e-"));
  stack = await startStack({ dataDir, dashboard: false, quiet: true });
  db = createClient({ url: stack.libsql.url, authToken: stack.libsql.authToken });
});
afterAll(async () => {
  db?.close();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const count = async (table: "cases" | "metric_events") =>
  Number((await db.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
const withHeaders = (r: SignedRequest, headers: Record<string, string>): SignedRequest => ({
  ...r,
  headers: { ...r.headers, ...headers },
});
const without = (r: SignedRequest, name: string): SignedRequest => ({
  ...r,
  headers: Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== name)),
});

describe("bad input over HTTP", () => {
  it("answers every malformed, unsigned, stale, oversized or unknown request with a precise 4xx JSON error and stores nothing", async () => {
    const stripeSecret = secret("STRIPE_WEBHOOK_SECRET");
    const event = () => stripeInvoiceEvent("invoice.payment_failed", "e2e-bad@example.com", "in_BAD");
    const good = await sign.stripe(stripeSecret, event());
    const now = Math.floor(Date.now() / 1000);
    const tampered = { ...good, body: good.body.replace("e2e-bad", "e2e-bae") };
    const table: [string, SignedRequest, number, string][] = [
      ["unsigned", without(good, "stripe-signature"), 401, "missing_signature"],
      ["wrong secret", await sign.stripe("whsec_not_ours", event()), 401, "bad_signature"],
      ["tampered body", tampered, 401, "bad_signature"],
      [
        "stale timestamp (a captured request replayed later)",
        await sign.stripe(stripeSecret, event(), { timestamp: now - 400 }),
        401,
        "stale_timestamp",
      ],
      ["future timestamp", await sign.stripe(stripeSecret, event(), { timestamp: now + 400 }), 401, "stale_timestamp"],
      ["malformed signature header", withHeaders(good, { "stripe-signature": "v1=zz" }), 401, "malformed_signature"],
      ["non-JSON body", await sign.stripe(stripeSecret, "not json at all"), 400, "invalid_json"],
      [
        "no event id",
        await sign.stripe(stripeSecret, { type: "invoice.paid" } as never),
        400,
        "missing_event_identity",
      ],
      [
        "form body to a JSON source",
        withHeaders(good, { "content-type": "application/x-www-form-urlencoded" }),
        415,
        "unsupported_media_type",
      ],
      ["over 1 MiB", { ...good, body: JSON.stringify({ pad: "x".repeat(1024 * 1024) }) }, 413, "payload_too_large"],
      ["unknown source", { ...good, path: "/hooks/gitlab" }, 404, "unknown_source"],
    ];
    for (const [name, request, status, code] of table) {
      const res = await post(stack.worker.url, request);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect({ name, status: res.status, code: body.error?.code }).toEqual({ name, status, code });
      expect(res.headers.get("content-type")).toContain("application/json");
      expect(body.error.message.length).toBeGreaterThan(10);
    }
    // Give a wrongly accepted event time to surface before asserting that nothing was stored.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await count("cases")).toBe(0);
    expect(await count("metric_events")).toBe(0);
  });
});

describe("signed webhooks to metrics", () => {
  it("creates a case that resolves and whose metric rows land in libSQL", async () => {
    const res = await post(
      stack.worker.url,
      await sign.github(
        secret("GITHUB_WEBHOOK_SECRET"),
        "issues",
        issueOpenedPayload("acme/e2e", 7, "Export fails with an error"),
      ),
    );
    expect(res.status).toBe(202);
    const caseId = "github-issue-triage/github:acme/e2e#7";
    const row = await eventually(
      async () => {
        const rs = await db.execute({
          sql: "SELECT status, outcome FROM cases WHERE case_id = ? AND status = 'resolved'",
          args: [caseId],
        });
        return rs.rows[0];
      },
      10_000,
      "resolved case row",
    );
    expect(row).toMatchObject({ status: "resolved", outcome: "triaged" });
    const kinds = (
      await db.execute({ sql: "SELECT kind FROM metric_events WHERE case_id = ?", args: [caseId] })
    ).rows.map((r) => r.kind);
    expect(kinds.sort()).toEqual(["case.opened", "case.resolved", "case.status", "step.completed", "step.completed"]);
  });

  it("turns a delivery sent twice (a sender retry, or a replay inside the window) into one case and one set of metrics", async () => {
    const request = await sign.stripe(
      secret("STRIPE_WEBHOOK_SECRET"),
      stripeInvoiceEvent("invoice.payment_failed", "e2e-dup@example.com", "in_DUP"),
    );
    const first = await post(stack.worker.url, request);
    const second = await post(stack.worker.url, request);
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({
      duplicate: true,
      deliveries: [{ status: "duplicate", cases: [{ caseKey: "customer:e2e-dup@example.com" }] }],
    });
    const caseId = "payment-recovery/customer:e2e-dup@example.com";
    await eventually(
      async () =>
        (await db.execute({ sql: "SELECT 1 FROM cases WHERE case_id = ? AND status = 'waiting'", args: [caseId] }))
          .rows[0],
      10_000,
      "waiting case",
    );
    expect((await post(stack.worker.url, request)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const events = await db.execute({
      sql: "SELECT kind, count(*) AS n FROM metric_events WHERE case_id = ? GROUP BY kind ORDER BY kind",
      args: [caseId],
    });
    expect(events.rows.map((r) => [r.kind, Number(r.n)])).toEqual([
      ["case.opened", 1],
      ["case.status", 2], // running, then waiting for the customer
      ["step.completed", 1],
    ]);
  });

  it("answers GitHub's ping and Slack's URL handshake only when signed", async () => {
    const ping = await post(
      stack.worker.url,
      await sign.github(secret("GITHUB_WEBHOOK_SECRET"), "ping", { zen: "Keep it logically awesome.", hook_id: 1 }),
    );
    expect(ping.status).toBe(200);
    const challenge = await post(
      stack.worker.url,
      await sign.slack(secret("SLACK_SIGNING_SECRET"), { type: "url_verification", challenge: "3eZbrw1aB" }),
    );
    expect(await challenge.json()).toEqual({ challenge: "3eZbrw1aB" });
    const unsigned = await fetch(`${stack.worker.url}/hooks/slack`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "url_verification", challenge: "x" }),
    });
    expect(unsigned.status).toBe(401);
  });

  it("verifies the URL-signing senders (Twilio, HubSpot) against the URL they called", async () => {
    const origin = stack.worker.url;
    const sms = await post(
      origin,
      await sign.twilio(
        secret("TWILIO_AUTH_TOKEN"),
        { MessageSid: "SMe2e1", From: "+4915112345678", Body: "Ja, bitte", SmsStatus: "received" },
        { origin },
      ),
    );
    expect(sms.status).toBe(202); // verified; no case talks to this number, so it waits in the dead letters
    const hub = await post(
      origin,
      await sign.hubspot(
        secret("HUBSPOT_CLIENT_SECRET"),
        [{ eventId: 11, subscriptionType: "deal.propertyChange", objectId: 42 }],
        { origin },
      ),
    );
    expect(hub.status).toBe(202);
    const wrongUrl = await post(
      origin,
      await sign.twilio(secret("TWILIO_AUTH_TOKEN"), { MessageSid: "SMe2e2" }, { origin: "https://elsewhere.example" }),
    );
    expect(wrongUrl.status).toBe(401);
  });

  it("serves health", async () => {
    expect(await (await fetch(`${stack.worker.url}/healthz`)).json()).toEqual({
      ok: true,
      service: "crossflow-worker",
    });
  });
});
