import { DEFAULT_MAX_BODY_BYTES, epochMs, field, text, type WebhookSource } from "../../webhooks/index.ts";
import { stripeScheme } from "./scheme.ts";

/** Stripe: the event object carries its own `id` (evt_…), `type` and `created`. */
export const stripe: WebhookSource = {
  name: "stripe",
  scheme: stripeScheme(),
  secretBinding: "STRIPE_WEBHOOK_SECRET",
  accepts: ["json"],
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  deliveries({ body }) {
    const id = text(field(body, "id"));
    const type = text(field(body, "type"));
    if (!id || !type) return { error: "a Stripe event needs id and type" };
    return [{ id, type, occurredAt: epochMs(field(body, "created")), payload: body }];
  },
};
