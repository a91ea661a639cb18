/**
 * Stripe: `Stripe-Signature: t=<unix s>,v1=<hex>,v1=<hex>…`, each v1 an HMAC-SHA256 of `<t>.<body>`; several
 * v1 values appear while Stripe rolls a secret. Tolerance 300 s, as Stripe's own libraries default to.
 * https://docs.stripe.com/webhooks#verify-manually
 */
import {
  checkTimestamp,
  concatBytes,
  hexToBytes,
  parseUnixSeconds,
  type SignatureScheme,
  utf8,
  verifyHmac,
} from "../../webhooks/index.ts";

export function stripeScheme(options: { toleranceSeconds?: number } = {}): SignatureScheme {
  const tolerance = options.toleranceSeconds ?? 300;
  return {
    name: "stripe",
    async verify(request, secrets, now) {
      const header = request.headers.get("stripe-signature");
      if (!header) return { code: "missing_signature", message: "Stripe-Signature header is required" };
      let timestamp: string | undefined;
      const signatures: Uint8Array[] = [];
      for (const part of header.split(",")) {
        const eq = part.indexOf("=");
        const [key, value] = [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
        if (key === "t") timestamp = value;
        else if (key === "v1") {
          const bytes = hexToBytes(value);
          if (bytes) signatures.push(bytes);
        }
      }
      if (!timestamp || signatures.length === 0) {
        return {
          code: "malformed_signature",
          message: "Stripe-Signature must carry t=<timestamp> and at least one v1=<hex signature>",
        };
      }
      const stale = checkTimestamp(parseUnixSeconds(timestamp), now, tolerance, "Stripe-Signature timestamp");
      if (stale) return stale;
      const signed = concatBytes(utf8(`${timestamp}.`), request.body);
      const valid = await verifyHmac("SHA-256", secrets, signatures, signed);
      return valid ? null : { code: "bad_signature", message: "no v1 signature in Stripe-Signature matches the body" };
    },
  };
}
