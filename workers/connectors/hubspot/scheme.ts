/**
 * HubSpot v3: `X-HubSpot-Signature-v3: base64(HMAC-SHA256(method + uri + body + timestamp))` under the app's
 * client secret, `X-HubSpot-Request-Timestamp` in epoch ms, rejected after 5 minutes.
 * https://developers.hubspot.com/docs/api/webhooks/validating-requests
 */
import {
  base64ToBytes,
  checkTimestamp,
  concatBytes,
  type SignatureScheme,
  utf8,
  verifyHmac,
} from "../../webhooks/index.ts";

/** HubSpot signs the URI with these characters decoded (its documented list). */
const DECODED: Record<string, string> = {
  "%3A": ":",
  "%2F": "/",
  "%3F": "?",
  "%40": "@",
  "%21": "!",
  "%24": "$",
  "%27": "'",
  "%28": "(",
  "%29": ")",
  "%2A": "*",
  "%2C": ",",
  "%3B": ";",
};

export function hubspotSignedUri(url: string): string {
  return url.replace(/%3A|%2F|%3F|%40|%21|%24|%27|%28|%29|%2A|%2C|%3B/gi, (m) => DECODED[m.toUpperCase()] ?? m);
}

export function hubspotScheme(options: { toleranceSeconds?: number } = {}): SignatureScheme {
  const tolerance = options.toleranceSeconds ?? 300;
  return {
    name: "hubspot",
    async verify(request, secrets, now) {
      const header = request.headers.get("x-hubspot-signature-v3");
      const timestamp = request.headers.get("x-hubspot-request-timestamp");
      if (!header) return { code: "missing_signature", message: "X-HubSpot-Signature-v3 header is required" };
      if (!timestamp) return { code: "missing_signature", message: "X-HubSpot-Request-Timestamp header is required" };
      const signature = base64ToBytes(header);
      if (signature?.length !== 32)
        return { code: "malformed_signature", message: "X-HubSpot-Signature-v3 must be a base64 HMAC-SHA256" };
      const stale = checkTimestamp(
        /^\d{1,15}$/.test(timestamp) ? Number(timestamp) : Number.NaN,
        now,
        tolerance,
        "X-HubSpot-Request-Timestamp",
      );
      if (stale) return stale;
      const signed = concatBytes(
        utf8(`${request.method}${hubspotSignedUri(request.url)}`),
        request.body,
        utf8(timestamp),
      );
      const valid = await verifyHmac("SHA-256", secrets, [signature], signed);
      return valid
        ? null
        : { code: "bad_signature", message: "X-HubSpot-Signature-v3 does not match method, URI, body and timestamp" };
    },
  };
}
