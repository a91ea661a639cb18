/**
 * The same product on two runtimes: a signed Stripe webhook (then Zendesk and Stripe events for the same
 * customer) sent to `wrangler dev` and to `deno task start` runs the same workflow to the same outcome, and both
 * write their metrics to the same libSQL schema.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "@libsql/client/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign, stripeInvoiceEvent } from "../../scripts/senders.ts";
import { startDenoServer, startStack, type Service, type Stack } from "../../scripts/stack.ts";
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
  deno = await startDenoServer({ dataDir, libsqlUrl: stack.libsql.url, simulatorsUrl: stack.simulators.url, quiet: true });
  db = createClient({ url: stack.libsql.url });
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
  const opened = await post(origin, await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), stripeInvoiceEvent("invoice.payment_failed", email, invoice)));
  expect(opened.status).toBe(202);
  const ticket = { id: `zd-${crypto.randomUUID()}`, type: "zen:event-type:ticket.created", time: new Date().toISOString(), detail: { id: "7", subject: "Card declined?", requester: { email } } };
  expect((await post(origin, await sign.zendesk(secret("ZENDESK_WEBHOOK_SECRET"), ticket))).status).toBe(202);
  expect((await post(origin, await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), stripeInvoiceEvent("invoice.paid", email, invoice)))).status).toBe(202);
  const path = `/api/cases/payment-recovery/${encodeURIComponent(`customer:${email}`)}`;
  return eventually(async () => {
    const res = await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${token()}` } });
    const view = (await res.json()) as { header: { status: string; outcome: string | null; workflowVersion: number }; steps: { id: string; kind: string }[]; pendingMetrics: number };
    expect(view.header.status).toBe("resolved");
    expect(view.pendingMetrics).toBe(0);
    return view;
  }, 30_000);
}

describe("Deno runtime", () => {
  it("runs a case from a signed Stripe webhook to the same outcome as wrangler dev, with metrics in the same database", async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const onWorkers = await recoverPayment(stack.worker.url, `workers-${suffix}@example.com`);
    const onDeno = await recoverPayment(deno.url, `deno-${suffix}@example.com`);

    // The steps and their outcome must match; how the audit interleaves arrivals with steps depends on timing.
    const shape = (v: typeof onDeno) => ({ status: v.header.status, outcome: v.header.outcome, version: v.header.workflowVersion, steps: v.steps.map((s) => [s.id, s.kind]) });
    expect(shape(onDeno)).toEqual(shape(onWorkers));
    expect(shape(onDeno)).toMatchObject({ outcome: "recovered", steps: [["record-failure", "run"], ["customer-contact", "waitFor"], ["invoice-paid", "waitFor"], ["resolve:recovered", "resolve"]] });

    // Deno writes its rows directly; Workers hand them to the metrics queue, whose consumer writes them a moment later.
    const rows = await eventually(async () => {
      const rs = await db.execute({ sql: "SELECT case_key, status, outcome FROM cases WHERE case_key IN (?, ?) ORDER BY case_key", args: [`customer:deno-${suffix}@example.com`, `customer:workers-${suffix}@example.com`] });
      return rs.rows.length === 2 && rs.rows.every((r) => r.status === "resolved") ? rs : undefined;
    }, 15_000, "both cases' summary rows");
    expect(rows.rows.map((r) => [r.status, r.outcome])).toEqual([
      ["resolved", "recovered"],
      ["resolved", "recovered"],
    ]);
  });

  it("answers bad input on Deno with the same precise errors as on Workers", async () => {
    for (const origin of [stack.worker.url, deno.url]) {
      const unsigned = await fetch(`${origin}/hooks/stripe`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect([unsigned.status, ((await unsigned.json()) as { error: { code: string } }).error.code]).toEqual([401, "missing_signature"]);
      const unknown = await fetch(`${origin}/hooks/nope`, { method: "POST", body: "{}" });
      expect(unknown.status).toBe(404);
      const noToken = await fetch(`${origin}/api/dead-letters`);
      expect(noToken.status).toBe(401);
    }
  });
});
