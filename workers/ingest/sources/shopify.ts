import { shopifyScheme } from "../schemes/index.ts";
import { DEFAULT_MAX_BODY_BYTES, type WebhookSource } from "../source.ts";
import { epochMs } from "./fields.ts";

/** Shopify: id in `X-Shopify-Webhook-Id` (stable across retries), topic like `orders/create` as the type. */
export const shopify: WebhookSource = {
  name: "shopify",
  scheme: shopifyScheme,
  secretBinding: "SHOPIFY_WEBHOOK_SECRET",
  accepts: ["json"],
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  deliveries({ headers, body }) {
    const id = headers.get("x-shopify-webhook-id") ?? headers.get("x-shopify-event-id");
    const topic = headers.get("x-shopify-topic");
    if (!id || !topic) return { error: "X-Shopify-Webhook-Id and X-Shopify-Topic headers are required" };
    return [{ id, type: topic, occurredAt: epochMs(headers.get("x-shopify-triggered-at")), payload: body }];
  },
};
