/**
 * What Stripe sends (https://docs.stripe.com/api/events/object): signed events (`Stripe-Signature`, verified by the
 * `stripe` source) whose `data.object` is the resource. The event types Crossflow's workflows consume, by type.
 */
import { z } from "zod";
import { webhookEvents } from "../triggers.ts";

const StripeEvent = <T extends z.ZodType>(object: T) =>
  z
    .object({
      id: z.string().startsWith("evt_"),
      object: z.literal("event"),
      type: z.string(),
      created: z.number().int(),
      api_version: z.string().nullable().optional(),
      livemode: z.boolean().optional(),
      data: z.object({ object }),
    })
    .passthrough();

export const StripeInvoice = z
  .object({
    id: z.string().startsWith("in_"),
    object: z.literal("invoice"),
    customer: z.string(),
    customer_email: z.string().nullable(),
    amount_due: z.number().int(),
    currency: z.string(),
    attempt_count: z.number().int().optional(),
    status: z.string().optional(),
  })
  .passthrough();

/** @example stripeEvents["invoice.payment_failed"].safeParse(payload).success */
export const stripeEvents = {
  "invoice.payment_failed": StripeEvent(StripeInvoice),
  "invoice.paid": StripeEvent(StripeInvoice),
} as const;

/**
 * Typed triggers on the `stripe` source.
 * @example stripeWebhooks.on("invoice.payment_failed", { caseKey: (e) => email(e.data.object.customer_email) })
 */
export const stripeWebhooks = webhookEvents("stripe", stripeEvents);
