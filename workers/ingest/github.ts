/**
 * GitHub webhooks: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`, delivery id in
 * `X-GitHub-Delivery`, event name in `X-GitHub-Event`.
 * Docs: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
import { activeSecrets, hexToBytes, verifyHmac } from "./hmac.ts";
import type { WebhookSource } from "./source.ts";

const PREFIX = "sha256=";

export const github: WebhookSource<{ GITHUB_WEBHOOK_SECRET?: string }> = {
  name: "github",
  secrets: (env) => activeSecrets(env.GITHUB_WEBHOOK_SECRET),

  async verify(request, secrets) {
    const header = request.headers.get("x-hub-signature-256");
    if (!header) return { code: "missing_signature", message: "X-Hub-Signature-256 header is required" };
    const signature = header.startsWith(PREFIX) ? hexToBytes(header.slice(PREFIX.length)) : null;
    if (!signature || signature.length !== 32) {
      return { code: "bad_signature", message: "X-Hub-Signature-256 must be sha256=<64 hex digits>" };
    }
    const valid = await verifyHmac("SHA-256", secrets, signature, request.body);
    return valid ? null : { code: "bad_signature", message: "X-Hub-Signature-256 does not match the body" };
  },

  identify(headers, payload) {
    const id = headers.get("x-github-delivery");
    const event = headers.get("x-github-event");
    if (!id) return { error: "X-GitHub-Delivery header is required" };
    if (!event) return { error: "X-GitHub-Event header is required" };
    const action = (payload as { action?: unknown }).action;
    return { id, type: typeof action === "string" ? `${event}.${action}` : event };
  },
};
