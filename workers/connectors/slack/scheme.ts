/**
 * Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">` with `X-Slack-Request-Timestamp`
 * (5 minutes, as Slack recommends).
 * https://api.slack.com/authentication/verifying-requests-from-slack
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

export function slackScheme(options: { toleranceSeconds?: number } = {}): SignatureScheme {
  const tolerance = options.toleranceSeconds ?? 300;
  return {
    name: "slack",
    async verify(request, secrets, now) {
      const header = request.headers.get("x-slack-signature");
      const timestamp = request.headers.get("x-slack-request-timestamp");
      if (!header) return { code: "missing_signature", message: "X-Slack-Signature header is required" };
      if (!timestamp) return { code: "missing_signature", message: "X-Slack-Request-Timestamp header is required" };
      const signature = header.startsWith("v0=") ? hexToBytes(header.slice(3)) : null;
      if (signature?.length !== 32)
        return { code: "malformed_signature", message: "X-Slack-Signature must be v0=<64 hex digits>" };
      const stale = checkTimestamp(parseUnixSeconds(timestamp), now, tolerance, "X-Slack-Request-Timestamp");
      if (stale) return stale;
      const valid = await verifyHmac(
        "SHA-256",
        secrets,
        [signature],
        concatBytes(utf8(`v0:${timestamp}:`), request.body),
      );
      return valid ? null : { code: "bad_signature", message: "X-Slack-Signature does not match the body" };
    },
  };
}
