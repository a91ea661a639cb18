/** Stripe's REST API (https://docs.stripe.com/api): the calls Crossflow's workflows make, idempotent by step. */
import { callApi, type ApiConfig } from "../http.ts";

export interface StripeRefund {
  id: string;
  amount: number;
  currency: string;
  status: string;
  charge: string | null;
  payment_intent: string | null;
}

export function stripeClient(config: Omit<ApiConfig, "system">) {
  const api = { ...config, system: "stripe" };
  return {
    /**
     * @example await stripe.refund({ charge: "ch_1", amount: 4900 }, { idempotencyKey });
     */
    refund(params: { charge?: string; paymentIntent?: string; amount: number; reason?: "duplicate" | "fraudulent" | "requested_by_customer" }, ctx: { idempotencyKey: string }) {
      return callApi<StripeRefund>(api, "/v1/refunds", {
        form: { charge: params.charge, payment_intent: params.paymentIntent, amount: params.amount, reason: params.reason },
        idempotencyKey: ctx.idempotencyKey,
      });
    },
  };
}
