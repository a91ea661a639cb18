/**
 * Zendesk: `X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(timestamp + body))` with
 * `X-Zendesk-Webhook-Signature-Timestamp` (ISO 8601). Zendesk sets no window; 5 minutes stops replays.
 * https://developer.zendesk.com/documentation/webhooks/verifying/
 */
import {
  base64ToBytes,
  checkTimestamp,
  concatBytes,
  type SignatureScheme,
  utf8,
  verifyHmac,
} from "../../webhooks/index.ts";

export function zendeskScheme(options: { toleranceSeconds?: number } = {}): SignatureScheme {
  const tolerance = options.toleranceSeconds ?? 300;
  return {
    name: "zendesk",
    async verify(request, secrets, now) {
      const header = request.headers.get("x-zendesk-webhook-signature");
      const timestamp = request.headers.get("x-zendesk-webhook-signature-timestamp");
      if (!header) return { code: "missing_signature", message: "X-Zendesk-Webhook-Signature header is required" };
      if (!timestamp)
        return { code: "missing_signature", message: "X-Zendesk-Webhook-Signature-Timestamp header is required" };
      const signature = base64ToBytes(header);
      if (signature?.length !== 32)
        return { code: "malformed_signature", message: "X-Zendesk-Webhook-Signature must be a base64 HMAC-SHA256" };
      const at = /^\d{4}-\d{2}-\d{2}T/.test(timestamp) ? Date.parse(timestamp) : Number.NaN;
      const stale = checkTimestamp(at, now, tolerance, "X-Zendesk-Webhook-Signature-Timestamp");
      if (stale) return stale;
      const valid = await verifyHmac("SHA-256", secrets, [signature], concatBytes(utf8(timestamp), request.body));
      return valid
        ? null
        : { code: "bad_signature", message: "X-Zendesk-Webhook-Signature does not match timestamp and body" };
    },
  };
}
