/**
 * The same product on two runtimes: a signed Stripe webhook (then Zendesk and Stripe events for the same
 * customer) sent to `wrangler dev` and to `deno task start` runs the same workflow to the same outcome, and both
 * write their metrics to the same libSQL schema.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient } from "@libsql/client/web";
import Database from "libsql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign, stripeInvoiceEvent } from "../../scripts/senders.ts";
import { type Service, type Stack, startDenoServer, startStack } from "../../scripts/stack.ts";
import { eventually } from "../support/wait.ts";

let stack: Stack;
let deno: Service;
let db: Client;
let dataDir: string;
const secret = (name: string) => devVar(name)!;
const token = () => firstSecret(devVar("CROSSFLOW_API_TOKEN"));

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "crossflow-deno-e2e-"));
  stack = await startStack({ dataDir, dashboard: false, quiet: true });
  deno = await startDenoServer({
    dataDir,
    libsqlUrl: stack.libsql.url,
    libsqlAuthToken: stack.libsql.authToken,
    simulatorsUrl: stack.simulators.url,
    quiet: true,
  });
  db = createClient({ url: stack.libsql.url, authToken: stack.libsql.authToken });
});
afterAll(async () => {
  db?.close();
  await deno?.stop();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Sends one customer's payment failure, their support ticket and the payment, and waits for the case to end. */
async function recoverPayment(origin: string, email: string) {
  const invoice = `in_${crypto.randomUUID().slice(0, 8)}`;
  const opened = await post(
    origin,
    await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), stripeInvoiceEvent("invoice.payment_failed", email, invoice)),
  );
  expect(opened.status).toBe(202);
  const openedBody = (await opened.json()) as { deliveries: { cases: { caseId: string }[] }[] };
  const ticket = {
    id: `zd-${crypto.randomUUID()}`,
    type: "zen:event-type:ticket.created",
    time: new Date().toISOString(),
    detail: { id: "7", subject: "Card declined?", requester: { email } },
  };
  expect((await post(origin, await sign.zendesk(secret("ZENDESK_WEBHOOK_SECRET"), ticket))).status).toBe(202);
  expect(
    (
      await post(
        origin,
        await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), stripeInvoiceEvent("invoice.paid", email, invoice)),
      )
    ).status,
  ).toBe(202);
  const path = `/api/cases/payment-recovery/${encodeURIComponent(`customer:${email}`)}`;
  return eventually(async () => {
    const res = await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${token()}` } });
    const view = (await res.json()) as {
      header: {
        caseId: string;
        seq: number;
        successor: number | null;
        status: string;
        outcome: string | null;
        workflowVersion: number;
      };
      steps: { id: string; kind: string }[];
      pendingMetrics: number;
    };
    expect(view.header.status).toBe("resolved");
    expect(view.pendingMetrics).toBe(0);
    return { ...view, openedIn: openedBody.deliveries[0]!.cases[0]!.caseId };
  }, 30_000);
}

describe("Deno runtime", () => {
  it("runs a case from a signed Stripe webhook to the same outcome as wrangler dev, with metrics in the same database", async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const onWorkers = await recoverPayment(stack.worker.url, `workers-${suffix}@example.com`);
    const onDeno = await recoverPayment(deno.url, `deno-${suffix}@example.com`);

    // The steps and their outcome must match; how the audit interleaves arrivals with steps depends on timing.
    const shape = (v: typeof onDeno) => ({
      status: v.header.status,
      outcome: v.header.outcome,
      version: v.header.workflowVersion,
      steps: v.steps.map((s) => [s.id, s.kind]),
    });
    expect(shape(onDeno)).toEqual(shape(onWorkers));
    expect(shape(onDeno)).toMatchObject({
      outcome: "recovered",
      steps: [
        ["record-failure", "run"],
        ["customer-contact", "waitFor"],
        ["invoice-paid", "waitFor"],
        ["resolve:recovered", "resolve"],
      ],
    });

    // Deno writes its rows directly; Workers hand them to the metrics queue, whose consumer writes them a moment later.
    const rows = await eventually(
      async () => {
        const rs = await db.execute({
          sql: "SELECT case_key, status, outcome FROM cases WHERE case_key IN (?, ?) ORDER BY case_key",
          args: [`customer:deno-${suffix}@example.com`, `customer:workers-${suffix}@example.com`],
        });
        return rs.rows.length === 2 && rs.rows.every((r) => r.status === "resolved") ? rs : undefined;
      },
      15_000,
      "both cases' summary rows",
    );
    expect(rows.rows.map((r) => [r.status, r.outcome])).toEqual([
      ["resolved", "recovered"],
      ["resolved", "recovered"],
    ]);
  });

  it("keeps its case timers in a KV file whose queue finds a delivered message by id, without scanning the queue", () => {
    // Deno KV takes a delivered message off its queue with these statements (denokv sqlite/backend.rs); the queue's
    // key is (ts, id), so without the server's index each delivery scans every waiting case's timer.
    const kv = new Database(join(dataDir, "deno-kv.sqlite3"), { readonly: true });
    try {
      const plan = (sql: string) =>
        (kv.prepare(`EXPLAIN QUERY PLAN ${sql}`).all("x") as { detail: string }[]).map((r) => r.detail).join("; ");
      expect(plan("delete from queue where id = ?")).toMatch(/^SEARCH queue USING INDEX/);
      expect(plan("delete from queue_running where id = ?")).toMatch(/^SEARCH queue_running USING INDEX/);
    } finally {
      kv.close();
    }
  });

  it("runs a returning customer's second incident as its own case to its own outcome, counted, on both runtimes", async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    for (const [runtime, origin] of [
      ["workers", stack.worker.url],
      ["deno", deno.url],
    ] as const) {
      const email = `again-${runtime}-${suffix}@example.com`;
      const key = `customer:${email}`;
      const first = await recoverPayment(origin, email);
      expect(first.header).toMatchObject({ caseId: `payment-recovery/${key}`, seq: 1, outcome: "recovered" });
      // Next month's failure: a new case, not absorbed by the resolved one.
      const second = await recoverPayment(origin, email);
      expect(second.openedIn).toBe(`payment-recovery@2/${key}`);
      expect(second.header).toMatchObject({
        caseId: `payment-recovery@2/${key}`,
        seq: 2,
        status: "resolved",
        outcome: "recovered",
      });
      expect(second.steps.map((s) => s.id)).toEqual([
        "record-failure",
        "customer-contact",
        "invoice-paid",
        "resolve:recovered",
      ]);

      // The first case stays readable by its number, and names its successor.
      const api = (path: string) =>
        fetch(`${origin}/api/cases/payment-recovery/${encodeURIComponent(key)}${path}`, {
          headers: { authorization: `Bearer ${token()}` },
        });
      const old = (await (await api("?seq=1")).json()) as {
        header: { seq: number; successor: number; status: string };
        events: unknown[];
      };
      expect(old.header).toMatchObject({ seq: 1, successor: 2, status: "resolved" });
      expect(old.events).toHaveLength(3);
      expect((await api("?seq=0")).status).toBe(400);
      expect((await api("?seq=3")).status).toBe(404);

      // A join-only event after both ended is kept for a person, with the reason, never absorbed by an ended case.
      const late = {
        id: `zd-${crypto.randomUUID()}`,
        type: "zen:event-type:ticket.created",
        time: new Date().toISOString(),
        detail: { id: "8", subject: "Thanks", requester: { email } },
      };
      const kept = await post(origin, await sign.zendesk(secret("ZENDESK_WEBHOOK_SECRET"), late));
      expect(kept.status).toBe(202);
      expect(((await kept.json()) as { deliveries: { status: string; reason: string }[] }).deliveries[0]).toMatchObject(
        { status: "dead_lettered", reason: expect.stringContaining(`payment-recovery@2/${key} has ended (resolved)`) },
      );

      // Both cases are counted: two summary rows in libSQL.
      const rows = await eventually(
        async () => {
          const rs = await db.execute({
            sql: "SELECT case_id, status, outcome FROM cases WHERE case_key = ? ORDER BY opened_at",
            args: [key],
          });
          return rs.rows.length === 2 && rs.rows.every((r) => r.status === "resolved") ? rs : undefined;
        },
        15_000,
        `${runtime}: both cases' summary rows`,
      );
      expect(rows.rows.map((r) => r.case_id)).toEqual([`payment-recovery/${key}`, `payment-recovery@2/${key}`]);
    }
  });

  it("answers bad input on Deno with the same precise errors as on Workers", async () => {
    for (const origin of [stack.worker.url, deno.url]) {
      const unsigned = await fetch(`${origin}/hooks/stripe`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect([unsigned.status, ((await unsigned.json()) as { error: { code: string } }).error.code]).toEqual([
        401,
        "missing_signature",
      ]);
      const unknown = await fetch(`${origin}/hooks/nope`, { method: "POST", body: "{}" });
      expect(unknown.status).toBe(404);
      const noToken = await fetch(`${origin}/api/dead-letters`);
      expect(noToken.status).toBe(401);
    }
  });
});
