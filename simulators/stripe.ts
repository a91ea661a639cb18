/**
 * A local Stripe: the charge and refund endpoints Crossflow's connector calls, form-encoded like the real API, with
 * Stripe's idempotency semantics. State lives in memory for the life of the process.
 */
import { createSimulator, objectId, readParams, type Simulator } from "./kit.ts";

export interface Refund {
  id: string;
  object: "refund";
  amount: number;
  charge: string | null;
  payment_intent: string | null;
  currency: string;
  reason: string | null;
  status: "succeeded";
  created: number;
}

export interface Charge {
  id: string;
  object: "charge";
  amount: number;
  amount_refunded: number;
  currency: string;
  customer: string | null;
  billing_details: { email: string | null };
  description: string | null;
  status: "succeeded";
  refunded: boolean;
  created: number;
}

export function stripeSimulator(apiKey = "sk_test_crossflow_local"): Simulator & { refunds: Refund[]; charges: Map<string, Charge>; subscriptions: { id: string; customer: string; price: string; status: "active" }[] } {
  const sim = createSimulator({ apiKey });
  const refunds: Refund[] = [];
  const charges = new Map<string, Charge>();
  const noSuch = (kind: string, id: string) => ({ error: { type: "invalid_request_error", code: "resource_missing", message: `No such ${kind}: '${id}'` } });

  // Charges are created to seed a scenario (demo traffic, tests); refunds are checked against them when they exist.
  sim.app.post("/v1/charges", async (c) => {
    const params = await readParams(c);
    const amount = Number(params.amount);
    if (!Number.isInteger(amount) || amount <= 0) return c.json({ error: { type: "invalid_request_error", param: "amount", message: "Invalid positive integer" } }, 400);
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
    if (!params.charge && !params.payment_intent) return c.json({ error: { type: "invalid_request_error", message: "One of `charge` or `payment_intent` is required." } }, 400);
    if (!Number.isInteger(amount) || amount <= 0) return c.json({ error: { type: "invalid_request_error", param: "amount", message: "Invalid positive integer" } }, 400);
    const charge = params.charge ? charges.get(params.charge) : undefined;
    if (charge && charge.amount_refunded + amount > charge.amount) {
      return c.json({ error: { type: "invalid_request_error", code: "charge_already_refunded", message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${charge.amount - charge.amount_refunded})` } }, 400);
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
    const customer = { id: objectId("cus"), object: "customer", email: params.email ?? null, name: params.name ?? null };
    customers.set(customer.id, customer);
    return c.json(customer);
  });
  sim.app.post("/v1/subscriptions", async (c) => {
    const params = await readParams(c);
    const price = params["items[0][price]"];
    if (!params.customer || !customers.has(params.customer)) return c.json(noSuch("customer", params.customer ?? ""), 400);
    if (!price) return c.json({ error: { type: "invalid_request_error", param: "items", message: "Missing required param: items." } }, 400);
    if (params.default_payment_method === "pm_card_chargeDeclined") {
      return c.json({ error: { type: "card_error", code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." } }, 402);
    }
    const subscription = { id: objectId("sub"), object: "subscription", customer: params.customer, price, status: "active" as const };
    subscriptions.push(subscription);
    return c.json(subscription);
  });
  return { ...sim, refunds, charges, subscriptions };
}
