/**
 * A local Stripe: the charge and refund endpoints Crossflow's connector calls, form-encoded like the real API, with
 * Stripe's idempotency semantics. State lives in memory for the life of the process. Invoices report their payment
 * the way Stripe does: an `invoice.paid` or `invoice.payment_failed` event, signed with `Stripe-Signature`, to the
 * worker's `/hooks/stripe` (where, and the endpoint's signing secret, are set at `POST /_sim/webhooks`).
 */

import type { z } from "zod";
import { deliver, sign } from "../scripts/senders.ts";
import type { StripeCharge, StripeRefund } from "../workers/connectors/stripe/client.ts";
import type { StripeInvoice } from "../workers/connectors/stripe/events.ts";
import { createSimulator, objectId, readParams, type Simulator } from "./kit.ts";

/** An invoice as the `invoice.*` events carry it (the connector's schema), with what the simulator tracks besides. */
export interface Invoice extends z.infer<typeof StripeInvoice> {
  amount_paid: number;
  status: "open" | "paid";
  attempt_count: number;
  created: number;
}

/** A refund as the connector reads it, with the rest of Stripe's resource the simulator answers. */
export interface Refund extends StripeRefund {
  object: "refund";
  reason: string | null;
  status: "succeeded";
  created: number;
}

/** A charge as the connector reads it, with the rest of Stripe's resource the simulator answers. */
export interface Charge extends StripeCharge {
  object: "charge";
  status: "succeeded";
  created: number;
}

export function stripeSimulator(apiKey = "sk_test_crossflow_local"): Simulator & {
  refunds: Refund[];
  charges: Map<string, Charge>;
  subscriptions: { id: string; customer: string; price: string; status: "active" }[];
  invoices: Map<string, Invoice>;
} {
  const sim = createSimulator({ apiKey });
  const refunds: Refund[] = [];
  const charges = new Map<string, Charge>();
  const noSuch = (kind: string, id: string) => ({
    error: { type: "invalid_request_error", code: "resource_missing", message: `No such ${kind}: '${id}'` },
  });

  // Charges are created to seed a scenario (demo traffic, tests); refunds are checked against them when they exist.
  sim.app.post("/v1/charges", async (c) => {
    const params = await readParams(c);
    const amount = Number(params.amount);
    if (!Number.isInteger(amount) || amount <= 0)
      return c.json(
        { error: { type: "invalid_request_error", param: "amount", message: "Invalid positive integer" } },
        400,
      );
    const charge: Charge = {
      id: params.id && /^ch_\w+$/.test(params.id) ? params.id : objectId("ch"),
      object: "charge",
      amount,
      amount_refunded: 0,
      currency: (params.currency ?? "eur").toLowerCase(),
      customer: params.customer ?? null,
      billing_details: { email: params["billing_details[email]"] ?? null },
      description: params.description ?? null,
      status: "succeeded",
      refunded: false,
      created: Math.floor(Date.now() / 1000),
    };
    charges.set(charge.id, charge);
    return c.json(charge);
  });
  sim.app.get("/v1/charges/:id", (c) => {
    const charge = charges.get(c.req.param("id"));
    return charge ? c.json(charge) : c.json(noSuch("charge", c.req.param("id")), 404);
  });
  sim.app.post("/v1/refunds", async (c) => {
    const params = await readParams(c);
    const amount = Number(params.amount);
    if (!params.charge && !params.payment_intent)
      return c.json(
        { error: { type: "invalid_request_error", message: "One of `charge` or `payment_intent` is required." } },
        400,
      );
    if (!Number.isInteger(amount) || amount <= 0)
      return c.json(
        { error: { type: "invalid_request_error", param: "amount", message: "Invalid positive integer" } },
        400,
      );
    const charge = params.charge ? charges.get(params.charge) : undefined;
    if (charge && charge.amount_refunded + amount > charge.amount) {
      return c.json(
        {
          error: {
            type: "invalid_request_error",
            code: "charge_already_refunded",
            message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${charge.amount - charge.amount_refunded})`,
          },
        },
        400,
      );
    }
    if (charge) {
      charge.amount_refunded += amount;
      charge.refunded = charge.amount_refunded === charge.amount;
    }
    const refund: Refund = {
      id: objectId("re"),
      object: "refund",
      amount,
      charge: params.charge ?? null,
      payment_intent: params.payment_intent ?? null,
      currency: (params.currency ?? "eur").toLowerCase(),
      reason: params.reason ?? null,
      status: "succeeded",
      created: Math.floor(Date.now() / 1000),
    };
    refunds.push(refund);
    return c.json(refund);
  });
  sim.app.get("/v1/refunds/:id", (c) => {
    const refund = refunds.find((r) => r.id === c.req.param("id"));
    return refund ? c.json(refund) : c.json(noSuch("refund", c.req.param("id")), 404);
  });
  sim.app.get("/v1/refunds", (c) => c.json({ object: "list", data: [...refunds].reverse(), has_more: false }));

  // Customers and subscriptions. Stripe's test payment method `pm_card_chargeDeclined` is declined, as in test mode.
  const customers = new Map<string, { id: string; email: string | null; name: string | null }>();
  const subscriptions: { id: string; customer: string; price: string; status: "active" }[] = [];
  sim.app.post("/v1/customers", async (c) => {
    const params = await readParams(c);
    const customer = {
      id: objectId("cus"),
      object: "customer",
      email: params.email ?? null,
      name: params.name ?? null,
    };
    customers.set(customer.id, customer);
    return c.json(customer);
  });
  sim.app.post("/v1/subscriptions", async (c) => {
    const params = await readParams(c);
    const price = params["items[0][price]"];
    if (!params.customer || !customers.has(params.customer))
      return c.json(noSuch("customer", params.customer ?? ""), 400);
    if (!price)
      return c.json(
        { error: { type: "invalid_request_error", param: "items", message: "Missing required param: items." } },
        400,
      );
    if (params.default_payment_method === "pm_card_chargeDeclined") {
      return c.json(
        {
          error: {
            type: "card_error",
            code: "card_declined",
            decline_code: "generic_decline",
            message: "Your card was declined.",
          },
        },
        402,
      );
    }
    const subscription = {
      id: objectId("sub"),
      object: "subscription",
      customer: params.customer,
      price,
      status: "active" as const,
    };
    subscriptions.push(subscription);
    return c.json(subscription);
  });

  // Invoices: `POST /v1/invoices/{id}/pay` charges the payment method and reports the outcome as a signed event.
  const invoices = new Map<string, Invoice>();
  const webhook = { url: null as string | null, secret: null as string | null };
  const emit = (type: "invoice.paid" | "invoice.payment_failed", invoice: Invoice, idempotencyKey: string | null) => {
    const { url, secret } = webhook;
    if (!url || !secret) return;
    const event = {
      id: objectId("evt"),
      object: "event",
      api_version: "2025-10-29.clover",
      created: Math.floor(Date.now() / 1000),
      type,
      livemode: false,
      pending_webhooks: 1,
      request: { id: objectId("req"), idempotency_key: idempotencyKey },
      data: { object: { ...invoice } },
    };
    setTimeout(() => {
      void sign
        .stripe(secret, event)
        .then((request) => deliver(url, request))
        .then(async (res) => {
          if (!res.ok)
            console.error(`stripe simulator: ${type} for ${invoice.id} answered ${res.status} ${await res.text()}`);
        })
        .catch((error: Error) => console.error(`stripe simulator: ${type} for ${invoice.id} failed: ${error.message}`));
    }, 50);
  };
  sim.app.post("/_sim/webhooks", async (c) => {
    Object.assign(webhook, await c.req.json());
    return c.json({ ok: true });
  });
  sim.app.post("/v1/invoices", async (c) => {
    const params = await readParams(c);
    const customer = params.customer ? customers.get(params.customer) : undefined;
    if (!customer) return c.json(noSuch("customer", params.customer ?? ""), 400);
    const amount = Number(params.amount_due ?? 0);
    const invoice: Invoice = {
      id: objectId("in"),
      object: "invoice",
      customer: customer.id,
      customer_email: customer.email,
      amount_due: amount,
      amount_paid: 0,
      currency: (params.currency ?? "eur").toLowerCase(),
      status: "open",
      attempt_count: 0,
      created: Math.floor(Date.now() / 1000),
    };
    invoices.set(invoice.id, invoice);
    return c.json(invoice);
  });
  sim.app.post("/v1/invoices/:id/pay", async (c) => {
    const invoice = invoices.get(c.req.param("id"));
    if (!invoice) return c.json(noSuch("invoice", c.req.param("id")), 404);
    const params = await readParams(c);
    invoice.attempt_count++;
    if (params.payment_method === "pm_card_chargeDeclined") {
      emit("invoice.payment_failed", invoice, c.req.header("idempotency-key") ?? null);
      return c.json(
        {
          error: {
            type: "card_error",
            code: "card_declined",
            decline_code: "generic_decline",
            message: "Your card was declined.",
          },
        },
        402,
      );
    }
    invoice.status = "paid";
    invoice.amount_paid = invoice.amount_due;
    emit("invoice.paid", invoice, c.req.header("idempotency-key") ?? null);
    return c.json(invoice);
  });
  return { ...sim, refunds, charges, subscriptions, invoices };
}
