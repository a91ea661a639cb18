import { contentId, DEFAULT_MAX_BODY_BYTES, field, text, type WebhookSource } from "../../webhooks/index.ts";
import { githubScheme } from "./scheme.ts";

/**
 * GitHub: type `<X-GitHub-Event>.<action>`. GitHub signs only the body, so `X-GitHub-Delivery` could be swapped on
 * a captured request: the delivery is named by its body's digest, with `X-GitHub-Delivery` kept as `senderId`.
 */
export const github: WebhookSource = {
  name: "github",
  scheme: githubScheme,
  secretBinding: "GITHUB_WEBHOOK_SECRET",
  accepts: ["json"],
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  contentIdentity: true,
  deliveries(request) {
    const { headers, body } = request;
    const senderId = headers.get("x-github-delivery");
    const event = headers.get("x-github-event");
    if (!senderId) return { error: "X-GitHub-Delivery header is required" };
    if (!event) return { error: "X-GitHub-Event header is required" };
    const action = text(field(body, "action"));
    return [{ id: contentId(request), senderId, type: action ? `${event}.${action}` : event, payload: body }];
  },
};
