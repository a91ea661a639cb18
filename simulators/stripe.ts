/**
 * A local Stripe: the refund endpoints Crossflow's connector calls, form-encoded like the real API, with
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

export function stripeSimulator(apiKey = "sk_test_crossflow_local"): Simulator & { refunds: Refund[] } {
  const sim = createSimulator({ apiKey });
  const refunds: Refund[] = [];
  sim.app.post("/v1/refunds", async (c) => {
    const params = await readParams(c);
    const amount = Number(params.amount);
    if (!params.charge && !params.payment_intent) return c.json({ error: { type: "invalid_request_error", message: "One of `charge` or `payment_intent` is required." } }, 400);
    if (!Number.isInteger(amount) || amount <= 0) return c.json({ error: { type: "invalid_request_error", param: "amount", message: "Invalid positive integer" } }, 400);
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
    return refund ? c.json(refund) : c.json({ error: { type: "invalid_request_error", message: `No such refund: '${c.req.param("id")}'` } }, 404);
  });
  sim.app.get("/v1/refunds", (c) => c.json({ object: "list", data: [...refunds].reverse(), has_more: false }));
  return { ...sim, refunds };
}
