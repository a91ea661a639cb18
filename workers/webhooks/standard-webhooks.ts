/**
 * Standard Webhooks (Svix and the many SaaS senders built on it): `webhook-signature: v1,<base64> v1,<base64>`,
 * HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>` under the base64 key after `whsec_`. 5 minutes.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
import { base64ToBytes, concatBytes, utf8, verifyHmac } from "./hmac.ts";
import type { SignatureScheme } from "./source.ts";
import { checkTimestamp, parseUnixSeconds } from "./timestamp.ts";

/** The key bytes of a Standard Webhooks secret (`whsec_<base64>`); null when it is not one. */
export function standardWebhooksKey(secret: string): Uint8Array | null {
  return base64ToBytes(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret);
}

export function standardWebhooksScheme(options: { toleranceSeconds?: number } = {}): SignatureScheme {
  const tolerance = options.toleranceSeconds ?? 300;
  return {
    name: "standard-webhooks",
    async verify(request, secrets, now) {
      const id = request.headers.get("webhook-id");
      const timestamp = request.headers.get("webhook-timestamp");
      const header = request.headers.get("webhook-signature");
      if (!header) return { code: "missing_signature", message: "webhook-signature header is required" };
      if (!id || !timestamp)
        return { code: "missing_signature", message: "webhook-id and webhook-timestamp headers are required" };
      const signatures = header
        .split(" ")
        .filter((s) => s.startsWith("v1,"))
        .map((s) => base64ToBytes(s.slice(3)))
        .filter((s): s is Uint8Array => s !== null);
      if (signatures.length === 0)
        return {
          code: "malformed_signature",
          message: "webhook-signature must carry at least one v1,<base64 signature>",
        };
      const stale = checkTimestamp(parseUnixSeconds(timestamp), now, tolerance, "webhook-timestamp");
      if (stale) return stale;
      const keys = secrets.map(standardWebhooksKey).filter((k): k is Uint8Array => k !== null);
      const valid = await verifyHmac(
        "SHA-256",
        keys,
        signatures,
        concatBytes(utf8(`${id}.${timestamp}.`), request.body),
      );
      return valid ? null : { code: "bad_signature", message: "no v1 signature in webhook-signature matches the body" };
    },
  };
}
