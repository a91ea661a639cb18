/**
 * The simulators call back the way the real systems do: each webhook they send passes that system's own signature
 * scheme and source parser (`<vendor>/scheme.ts`, `source.ts`) (Twilio's inbound SMS, Slack's button click, HubSpot's deal stage,
 * Stripe's invoice events, Zendesk's new ticket), and its payload matches the connector's `events.ts` schema. A small
 * Node server stands in for the worker's `/hooks/:source`.
 */

import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIMULATOR_KEYS, SIMULATOR_TWILIO_ACCOUNT, serveSimulators } from "../../simulators/index.ts";
import type { Delivery } from "../webhooks/index.ts";
import { hubspotClient } from "./hubspot/client.ts";
import { hubspotEvents } from "./hubspot/events.ts";
import { hubspot as hubspotSource } from "./hubspot/source.ts";
import { slackClient } from "./slack/client.ts";
import { approvalClick, SlackBlockActions } from "./slack/events.ts";
import { slack as slackSource } from "./slack/source.ts";
import { stripeEvents } from "./stripe/events.ts";
import { stripe as stripeSource } from "./stripe/source.ts";
import { twilioClient } from "./twilio/client.ts";
import { twilioEvents } from "./twilio/events.ts";
import { twilio as twilioSource } from "./twilio/source.ts";
import { zendeskEvents } from "./zendesk/events.ts";
import { zendesk as zendeskSource } from "./zendesk/source.ts";

const SOURCES = [twilioSource, slackSource, hubspotSource, stripeSource, zendeskSource];
const SECRETS: Record<string, string> = {
  twilio: "sim-test-twilio-token",
  slack: "sim-test-slack-signing",
  hubspot: "sim-test-hubspot-client-secret",
  stripe: "whsec_sim_test",
  zendesk: "sim-test-zendesk",
};

let sims: Awaited<ReturnType<typeof serveSimulators>>;
let hooks: { url: string; close: () => void };
/** What the stand-in worker received: verified (or why not) and parsed by the source. */
const received: { source: string; failure: string | null; deliveries: Delivery[] | { error: string } }[] = [];

beforeAll(async () => {
  sims = await serveSimulators();
  const app = new Hono();
  app.post("/hooks/:source", async (c) => {
    const source = SOURCES.find((s) => s.name === c.req.param("source"))!;
    const body = new Uint8Array(await c.req.arrayBuffer());
    const failure = await source.scheme.verify(
      { method: "POST", url: c.req.url, headers: c.req.raw.headers, body },
      [SECRETS[source.name]!],
      Date.now(),
    );
    const text = new TextDecoder().decode(body);
    const form = (c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded");
    const parsed = {
      url: c.req.url,
      headers: c.req.raw.headers,
      kind: form ? ("form" as const) : ("json" as const),
      body: form ? Object.fromEntries(new URLSearchParams(text)) : JSON.parse(text),
      text,
    };
    received.push({ source: source.name, failure: failure?.message ?? null, deliveries: source.deliveries(parsed) });
    return c.json({ accepted: 1 }, failure ? 401 : 202);
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  hooks = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
  for (const system of Object.keys(SECRETS)) {
    await fetch(`${sims.url}/${system}/_sim/webhooks`, {
      method: "POST",
      body: JSON.stringify({ url: hooks.url, secret: SECRETS[system] }),
    });
  }
});
afterAll(async () => {
  hooks.close();
  await sims.close();
});

const arrived = async (source: string, count: number) => {
  for (let i = 0; i < 500 && received.filter((r) => r.source === source).length < count; i++)
    await new Promise((r) => setTimeout(r, 20));
  return received.filter((r) => r.source === source);
};

describe("simulator webhooks pass the ingest's verification", () => {
  it("Twilio: a customer's SMS reply is a signed form POST the twilio source reads as message.received", async () => {
    await twilioClient({
      baseUrl: `${sims.url}/twilio`,
      apiKey: SIMULATOR_KEYS.twilio,
      accountSid: SIMULATOR_TWILIO_ACCOUNT,
      from: "+15005550006",
    }).sendSms({ to: "+4915112345678", body: "Reply YES" }, { idempotencyKey: "k1" });
    const res = (await (
      await fetch(`${sims.url}/twilio/_sim/inbound`, {
        method: "POST",
        body: JSON.stringify({ from: "+4915112345678", body: "YES" }),
      })
    ).json()) as { worker: { status: number } };
    expect(res.worker.status).toBe(202);
    const [hook] = await arrived("twilio", 1);
    expect(hook).toMatchObject({
      failure: null,
      deliveries: [
        {
          type: "message.received",
          payload: { From: "+4915112345678", To: "+15005550006", Body: "YES", AccountSid: SIMULATOR_TWILIO_ACCOUNT },
        },
      ],
    });
    expect(twilioEvents["message.received"].safeParse((hook!.deliveries as Delivery[])[0]!.payload).success).toBe(true);
  });

  it("Slack: a click on an approval is a signed block_actions interaction naming the case and step", async () => {
    const notice = {
      workflowId: "refund-dispute",
      caseKey: "customer:a@example.com",
      caseSeq: 1,
      stepId: "triage:approve:c1",
      title: "Refund 80 EUR",
      queue: "refunds",
      role: "operator",
      approvals: 1,
      slaDeadline: Date.now() + 3_600_000,
    };
    await slackClient({ baseUrl: `${sims.url}/slack/api`, apiKey: SIMULATOR_KEYS.slack }).postApproval(
      "#refunds",
      notice,
      { idempotencyKey: "k2" },
    );
    const res = (await (
      await fetch(`${sims.url}/slack/_sim/click`, {
        method: "POST",
        body: JSON.stringify({ user: "U0ANA", action: "reject", caseKey: notice.caseKey }),
      })
    ).json()) as { worker: { status: number } };
    expect(res.worker.status).toBe(202);
    const [hook] = await arrived("slack", 1);
    expect(hook!.failure).toBeNull();
    const [delivery] = hook!.deliveries as Delivery[];
    expect(delivery!.type).toBe("interaction.block_actions");
    expect(SlackBlockActions.safeParse(delivery!.payload).success).toBe(true);
    expect(approvalClick(delivery!.payload)).toMatchObject({
      decision: "reject",
      workflow: "refund-dispute",
      caseKey: notice.caseKey,
      step: notice.stepId,
      slackUser: "U0ANA",
    });
  });

  it("HubSpot: moving a deal to another stage is a signed deal.propertyChange event with ids only", async () => {
    const hubspot = hubspotClient({ baseUrl: `${sims.url}/hubspot`, apiKey: SIMULATOR_KEYS.hubspot });
    const contact = await hubspot.upsertContact(
      { email: "deal@example.com", firstname: "Dee" },
      { idempotencyKey: "k3" },
    );
    const api = (path: string, method: string, body: unknown) =>
      fetch(`${sims.url}/hubspot${path}`, {
        method,
        headers: { authorization: `Bearer ${SIMULATOR_KEYS.hubspot}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ id: string }>);
    const deal = await api("/crm/v3/objects/deals", "POST", {
      properties: { dealname: "Fiber for Dee", plan: "fiber-500" },
      associations: [{ to: { id: contact.id } }],
    });
    await api(`/crm/v3/objects/deals/${deal.id}`, "PATCH", { properties: { dealstage: "onboarding" } });
    const [hook] = await arrived("hubspot", 1);
    expect(hook).toMatchObject({
      failure: null,
      deliveries: [
        {
          type: "deal.propertyChange",
          payload: { objectId: Number(deal.id), propertyName: "dealstage", propertyValue: "onboarding" },
        },
      ],
    });
    expect(hubspotEvents["deal.propertyChange"].safeParse((hook!.deliveries as Delivery[])[0]!.payload).success).toBe(
      true,
    );
    expect(await hubspot.getDeal(deal.id, ["dealname", "plan"])).toEqual({
      id: deal.id,
      properties: { hs_object_id: deal.id, dealname: "Fiber for Dee", plan: "fiber-500" },
      contactId: contact.id,
    });
  });

  it("Zendesk: a ticket opened through the API is a signed ticket.created event with the requester's email; a redelivery repeats its id", async () => {
    const api = (path: string, body: unknown, auth = true) =>
      fetch(`${sims.url}/zendesk${path}`, {
        method: "POST",
        headers: {
          ...(auth ? { authorization: `Bearer ${SIMULATOR_KEYS.zendesk}` } : {}),
          "content-type": "application/json",
        },
        body: JSON.stringify(body),
      });
    expect((await api("/api/v2/tickets.json", { ticket: { comment: { body: "no requester" } } })).status).toBe(422);
    const created = await api("/api/v2/tickets.json", {
      ticket: {
        subject: "Refund request",
        comment: { body: "I was charged twice: ch_123" },
        requester: { email: "zed@example.com" },
        tags: ["refund"],
      },
    });
    expect(created.status).toBe(201);
    const { ticket } = (await created.json()) as { ticket: { id: number } };
    expect((await api("/_sim/redeliver", { ticketId: ticket.id }, false)).status).toBe(200);
    const hooks = await arrived("zendesk", 2);
    expect(hooks.map((h) => h.failure)).toEqual([null, null]);
    const [first, again] = hooks.map((h) => (h.deliveries as Delivery[])[0]!);
    expect(first).toMatchObject({
      type: "ticket.created",
      payload: {
        detail: {
          id: String(ticket.id),
          description: "I was charged twice: ch_123",
          requester: { email: "zed@example.com" },
        },
      },
    });
    expect(again!.id).toBe(first!.id);
    expect(zendeskEvents["ticket.created"].safeParse(first!.payload).success).toBe(true);
  });

  it("Stripe: paying an invoice reports invoice.payment_failed for a declined card and invoice.paid after, signed", async () => {
    const stripe = (path: string, form: Record<string, string>) =>
      fetch(`${sims.url}/stripe${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}` },
        body: new URLSearchParams(form),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { id: string } }));
    const customer = await stripe("/v1/customers", { email: "inv@example.com" });
    const invoice = await stripe("/v1/invoices", { customer: customer.body.id, amount_due: "4900" });
    expect(
      (await stripe(`/v1/invoices/${invoice.body.id}/pay`, { payment_method: "pm_card_chargeDeclined" })).status,
    ).toBe(402);
    expect((await stripe(`/v1/invoices/${invoice.body.id}/pay`, { payment_method: "pm_card_visa" })).status).toBe(200);
    // Stripe does not promise to deliver events in order (nor does its simulator, which sends each on its own): by type.
    const typeOf = (h: (typeof received)[number]) => (h.deliveries as Delivery[])[0]!.type;
    const hooks = (await arrived("stripe", 2)).sort((a, b) => typeOf(b).localeCompare(typeOf(a)));
    expect(hooks.map((h) => [h.failure, typeOf(h)])).toEqual([
      [null, "invoice.payment_failed"],
      [null, "invoice.paid"],
    ]);
    expect(
      hooks.every((h) => stripeEvents["invoice.paid"].safeParse((h.deliveries as Delivery[])[0]!.payload).success),
    ).toBe(true);
    expect((hooks[1]!.deliveries as Delivery[])[0]!.payload).toMatchObject({
      data: { object: { id: invoice.body.id, customer_email: "inv@example.com", status: "paid" } },
    });
  });
});
