/**
 * Shopify: `X-Shopify-Hmac-Sha256: base64(HMAC-SHA256(body))` under the app's client secret. No timestamp is
 * signed; replays are caught by the durable dedupe on `X-Shopify-Webhook-Id`.
 * https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook
 */
import { base64ToBytes, type SignatureScheme, verifyHmac } from "../../webhooks/index.ts";

export const shopifyScheme: SignatureScheme = {
  name: "shopify",
  async verify(request, secrets) {
    const header = request.headers.get("x-shopify-hmac-sha256");
    if (!header) return { code: "missing_signature", message: "X-Shopify-Hmac-Sha256 header is required" };
    const signature = base64ToBytes(header);
    if (signature?.length !== 32)
      return { code: "malformed_signature", message: "X-Shopify-Hmac-Sha256 must be a base64 HMAC-SHA256" };
    const valid = await verifyHmac("SHA-256", secrets, [signature], request.body);
    return valid ? null : { code: "bad_signature", message: "X-Shopify-Hmac-Sha256 does not match the body" };
  },
};
