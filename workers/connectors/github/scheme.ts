/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`. GitHub signs no timestamp, so replay
 * protection is the durable dedupe on `X-GitHub-Delivery`.
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
import { hexToBytes, type SignatureScheme, verifyHmac } from "../../webhooks/index.ts";

const PREFIX = "sha256=";

export const githubScheme: SignatureScheme = {
  name: "github",
  async verify(request, secrets) {
    const header = request.headers.get("x-hub-signature-256");
    if (!header) return { code: "missing_signature", message: "X-Hub-Signature-256 header is required" };
    const signature = header.startsWith(PREFIX) ? hexToBytes(header.slice(PREFIX.length)) : null;
    if (signature?.length !== 32)
      return { code: "malformed_signature", message: "X-Hub-Signature-256 must be sha256=<64 hex digits>" };
    const valid = await verifyHmac("SHA-256", secrets, [signature], request.body);
    return valid ? null : { code: "bad_signature", message: "X-Hub-Signature-256 does not match the body" };
  },
};
