/** Stripe's REST API (https://docs.stripe.com/api): the calls Crossflow's workflows make, idempotent by step. */
import type Stripe from "stripe";
import { FatalError } from "../../engine/errors.ts";
import { type ApiConfig, ConnectorError, callApi, connectorSettings } from "../http.ts";

/**
 * The fields of Stripe's own objects the workflows read, typed from the `stripe` package (types only: nothing of it is
 * bundled). Charges and payment intents arrive unexpanded, as ids.
 */
export type StripeRefund = Pick<Stripe.Refund, "id" | "amount" | "currency" | "status"> & {
  charge: string | null;
  payment_intent: string | null;
};

export type StripeCharge = Pick<
  Stripe.Charge,
  "id" | "amount" | "amount_refunded" | "currency" | "description" | "status" | "refunded"
> & { customer: string | null; billing_details: Pick<Stripe.Charge.BillingDetails, "email"> };

/** The Stripe connector's settings from configuration: `STRIPE_API_KEY`, optional `STRIPE_API_BASE_URL` (a simulator locally). */
export function stripeConfig(config: Readonly<Record<string, unknown>>): Omit<ApiConfig, "system"> {
  return connectorSettings(config, {
    key: "STRIPE_API_KEY",
    baseUrl: "STRIPE_API_BASE_URL",
    defaultBaseUrl: "https://api.stripe.com",
  });
}

export function stripeClient(config: Omit<ApiConfig, "system">) {
  const api = { ...config, system: "stripe" };
  return {
    /** @example const customer = await stripe.createCustomer({ email, name }, ctx); */
    createCustomer(params: { email: string; name?: string }, ctx: { idempotencyKey: string }) {
      return callApi<{ id: string; email: string }>(api, "/v1/customers", {
        form: { email: params.email, name: params.name },
        idempotencyKey: ctx.idempotencyKey,
      });
    },
    /**
     * Subscribes the customer; a declined card is an answer, not a failure (`{ declined }`), so the workflow can
     * ask for another payment method instead of retrying a card that will not pass.
     * @example const sub = await stripe.subscribe({ customer, price: "price_fiber_500", paymentMethod }, ctx);
     */
    async subscribe(
      params: { customer: string; price: string; paymentMethod: string },
      ctx: { idempotencyKey: string },
    ): Promise<{ id: string; status: string } | { declined: string }> {
      try {
        return await callApi<{ id: string; status: string }>(api, "/v1/subscriptions", {
          form: {
            customer: params.customer,
            "items[0][price]": params.price,
            default_payment_method: params.paymentMethod,
          },
          idempotencyKey: ctx.idempotencyKey,
        });
      } catch (error) {
        const cause = error instanceof FatalError ? error.cause : null;
        if (cause instanceof ConnectorError && cause.status === 402) return { declined: cause.message };
        throw error;
      }
    },
    /** The charge, or null when Stripe has none with this id. @example const charge = await stripe.getCharge("ch_3Nx…"); */
    async getCharge(id: string): Promise<StripeCharge | null> {
      try {
        return await callApi<StripeCharge>(api, `/v1/charges/${encodeURIComponent(id)}`);
      } catch (error) {
        if (error instanceof FatalError && error.cause instanceof ConnectorError && error.cause.status === 404)
          return null;
        throw error;
      }
    },
    /**
     * @example await stripe.refund({ charge: "ch_1", amount: 4900 }, { idempotencyKey });
     */
    refund(
      params: {
        charge?: string;
        paymentIntent?: string;
        amount: number;
        reason?: "duplicate" | "fraudulent" | "requested_by_customer";
      },
      ctx: { idempotencyKey: string },
    ) {
      return callApi<StripeRefund>(api, "/v1/refunds", {
        form: {
          charge: params.charge,
          payment_intent: params.paymentIntent,
          amount: params.amount,
          reason: params.reason,
        },
        idempotencyKey: ctx.idempotencyKey,
      });
    },
  };
}
