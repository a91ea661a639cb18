import { contentId, DEFAULT_MAX_BODY_BYTES, epochMs, type WebhookSource } from "../../webhooks/index.ts";
import { shopifyScheme } from "./scheme.ts";

/**
 * Shopify: topic like `orders/create` as the type. Shopify signs only the body, so `X-Shopify-Webhook-Id` (stable
 * across its retries) could be swapped on a captured request: the delivery is named by its body's digest, with the
 * webhook id kept as `senderId`.
 */
export const shopify: WebhookSource = {
  name: "shopify",
  scheme: shopifyScheme,
  secretBinding: "SHOPIFY_WEBHOOK_SECRET",
  accepts: ["json"],
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  contentIdentity: true,
  deliveries(request) {
    const { headers, body } = request;
    const senderId = headers.get("x-shopify-webhook-id") ?? headers.get("x-shopify-event-id");
    const topic = headers.get("x-shopify-topic");
    if (!senderId || !topic) return { error: "X-Shopify-Webhook-Id and X-Shopify-Topic headers are required" };
    return [
      {
        id: contentId(request),
        senderId,
        type: topic,
        occurredAt: epochMs(headers.get("x-shopify-triggered-at")),
        payload: body,
      },
    ];
  },
};
