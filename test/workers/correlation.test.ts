/**
 * Routing declared by workflows, inside workerd: three systems meet in one customer case, events that arrive
 * before the case waits for them are kept for it, and events nobody takes are dead-lettered and replayable.
 */
import { createClient } from "@libsql/client/web";
import { afterAll, describe, expect, inject, it } from "vitest";
import { sign, stripeInvoiceEvent } from "../../scripts/senders.ts";
import { api, secret, send, settle } from "./helpers.ts";

const WF = "payment-recovery";
const metrics = createClient({ url: inject("libsqlUrl") });
afterAll(() => metrics.close());
let n = 0;
const customer = () => `customer${++n}-${crypto.randomUUID().slice(0, 8)}@example.com`;

const zendeskTicket = (email: string) => ({
  id: `zd-${crypto.randomUUID()}`,
  type: "zen:event-type:ticket.created",
  time: new Date().toISOString(),
  detail: { id: "4711", subject: "Why was my card charged twice?", requester: { email } },
});
const inboundEmail = (email: string) => ({
  type: "email.received",
  created_at: new Date().toISOString(),
  data: { from: email, subject: "Re: your invoice", text: "I updated my card." },
});

describe("one case across systems", () => {
  it("gathers Stripe, Zendesk and inbound email events for the same customer and resolves when the invoice is paid", async () => {
    const email = customer();
    const caseKey = `customer:${email}`;
    const opened = await send(
      await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), stripeInvoiceEvent("invoice.payment_failed", email, "in_A1")),
    );
    expect(opened.status).toBe(202);
    await settle(WF, caseKey, (v) => v.header.status === "waiting");

    const ticket = await send(await sign.zendesk(secret("ZENDESK_WEBHOOK_SECRET"), zendeskTicket(email.toUpperCase())));
    expect(ticket.status).toBe(202);
    expect(ticket.body.deliveries[0].cases[0]).toMatchObject({ workflow: WF, caseKey });
    const mail = await send(
      await sign.standardWebhooks("resend", secret("RESEND_WEBHOOK_SECRET"), inboundEmail(email)),
    );
    expect(mail.status).toBe(202);
    await send(await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), stripeInvoiceEvent("invoice.paid", email, "in_A1")));

    const view = await settle(WF, caseKey);
    expect(view.header).toMatchObject({ status: "resolved", outcome: "recovered" });
    expect(new Set(view.events.map((e) => e.source))).toEqual(new Set(["stripe", "zendesk", "resend"]));
    expect(view.steps.map((s) => s.id)).toEqual([
      "record-failure",
      "customer-contact",
      "invoice-paid",
      "resolve:recovered",
    ]);
    expect((view.steps[1]?.output as { source: string } | undefined)?.source).toBe("zendesk");
  });

  it("keeps an event that arrives before the case waits for it, and the later wait consumes it", async () => {
    const email = customer();
    const caseKey = `customer:${email}`;
    // The payment lands before the case has even recorded the failure, let alone started waiting for it.
    await send(
      await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), stripeInvoiceEvent("invoice.payment_failed", email, "in_B1")),
    );
    await send(await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), stripeInvoiceEvent("invoice.paid", email, "in_B1")));
    await send(await sign.standardWebhooks("resend", secret("RESEND_WEBHOOK_SECRET"), inboundEmail(email)));

    const view = await settle(WF, caseKey);
    expect(view.header.outcome).toBe("recovered");
    const paidEvent = view.events.find((e) => e.type === "invoice.paid")!;
    const paidStep = view.steps.find((s) => s.id === "invoice-paid")!;
    expect((paidStep.output as { id: string }).id).toBe(paidEvent.id);
    expect(paidStep.startedAt).toBeGreaterThanOrEqual(paidEvent.receivedAt);
    // The case never parked on that wait: the buffered event was there when the wait began.
    const waits = await metrics.execute({
      sql: "SELECT count(*) AS n FROM metric_events WHERE case_id = ? AND kind = 'case.status' AND step_id = 'invoice-paid'",
      args: [`${WF}/${caseKey}`],
    });
    expect(Number(waits.rows[0]!.n)).toBe(0);
  });

  it("does not let a payment for another invoice end the wait", async () => {
    const email = customer();
    const caseKey = `customer:${email}`;
    await send(
      await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), stripeInvoiceEvent("invoice.payment_failed", email, "in_C1")),
    );
    await send(await sign.standardWebhooks("resend", secret("RESEND_WEBHOOK_SECRET"), inboundEmail(email)));
    await send(
      await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), stripeInvoiceEvent("invoice.paid", email, "in_OTHER")),
    );
    const view = await settle(
      WF,
      caseKey,
      (v) => v.header.status === "waiting" && v.header.wait?.stepId === "invoice-paid",
    );
    expect(view.header.wait?.deadline).toBeGreaterThan(Date.now() + 6 * 86_400_000);
  });
});

describe("dead letters", () => {
  it("keeps an event no workflow takes, with the reason, answers 202 dead_lettered, and lists it through the API", async () => {
    const request = await sign.shopify(secret("SHOPIFY_WEBHOOK_SECRET"), "orders/create", {
      id: 820982911946154500,
      email: "x@example.com",
    });
    const res = await send(request);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      accepted: 0,
      deadLettered: 1,
      duplicate: false,
      deliveries: [{ status: "dead_lettered" }],
    });
    const id = res.body.deliveries[0].deadLetterId as number;
    const listed = await api("/dead-letters?source=shopify");
    expect(listed.status).toBe(200);
    expect(listed.body.deadLetters.map((d: { id: number }) => d.id)).toContain(id);
    const one = await api(`/dead-letters/${id}`);
    expect(one.body).toMatchObject({ source: "shopify", type: "orders/create", payload: { email: "x@example.com" } });
    expect(one.body.reason).toMatch(/no workflow takes shopify "orders\/create"/);
    // The sender's retry finds the same entry instead of a second one, and is answered as a duplicate.
    const retry = await send(request);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({
      duplicate: true,
      deliveries: [{ status: "dead_lettered", deadLetterId: id, deadLetterDuplicate: true }],
    });
  });

  it("replays a join-only event once its case exists, into exactly that case", async () => {
    const email = customer();
    const caseKey = `customer:${email}`;
    const early = await send(await sign.zendesk(secret("ZENDESK_WEBHOOK_SECRET"), zendeskTicket(email)));
    expect(early.status).toBe(202);
    expect(early.body.deliveries[0].reason).toMatch(/no open case/);
    const deadLetterId = early.body.deliveries[0].deadLetterId;
    expect((await api(`/dead-letters/${deadLetterId}/replay`, { method: "POST" })).body).toMatchObject({
      error: { code: "still_unroutable" },
    });

    await send(
      await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), stripeInvoiceEvent("invoice.payment_failed", email, "in_D1")),
    );
    const replay = await api(`/dead-letters/${deadLetterId}/replay`, { method: "POST" });
    expect(replay.status).toBe(200);
    expect(replay.body.result).toMatchObject({ status: "accepted", cases: [{ workflow: WF, caseKey }] });
    expect((await api(`/dead-letters/${deadLetterId}/replay`, { method: "POST" })).status).toBe(409);
    const view = await settle(WF, caseKey, (v) => v.header.wait?.stepId === "invoice-paid");
    expect(view.events.map((e) => e.source)).toEqual(["stripe", "zendesk"]);
    expect((await api("/dead-letters?status=replayed")).body.deadLetters.map((d: { id: number }) => d.id)).toContain(
      deadLetterId,
    );
  });
});

describe("case API", () => {
  it("requires the bearer token and returns the case", async () => {
    const email = customer();
    await send(
      await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), stripeInvoiceEvent("invoice.payment_failed", email, "in_E1")),
    );
    const path = `/cases/${WF}/${encodeURIComponent(`customer:${email}`)}`;
    expect((await api(path, {}, "")).status).toBe(401);
    expect((await api(path, {}, "wrong-token")).body).toMatchObject({ error: { code: "bad_token" } });
    const ok = await api(path);
    expect(ok.status).toBe(200);
    expect(ok.body.header).toMatchObject({ workflowId: WF, caseKey: `customer:${email}` });
    expect((await api(`/cases/${WF}/nobody`)).status).toBe(404);
    expect((await api("/dead-letters/abc")).body).toMatchObject({ error: { code: "invalid_id" } });
    expect((await api("/dead-letters?limit=9999")).status).toBe(400);
  });
});
