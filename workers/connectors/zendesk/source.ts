import { contentId, DEFAULT_MAX_BODY_BYTES, epochMs, field, text, type WebhookSource } from "../../webhooks/index.ts";
import { zendeskScheme } from "./scheme.ts";

/**
 * Zendesk event webhooks carry `id` and `type` (`zen:event-type:ticket.created`), both signed; trigger webhooks carry
 * what the admin templated, so they fall back to the type `trigger` and to the invocation id header, which the
 * signature does not cover: those are named by the body's digest, with the invocation id kept as `senderId`.
 */
export const zendesk: WebhookSource = {
  name: "zendesk",
  scheme: zendeskScheme(),
  secretBinding: "ZENDESK_WEBHOOK_SECRET",
  accepts: ["json"],
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  contentIdentity: true,
  deliveries(request) {
    const { headers, body } = request;
    const type = (text(field(body, "type")) ?? "trigger").replace(/^zen:event-type:/, "");
    const occurredAt = epochMs(field(body, "time"));
    const id = text(field(body, "id"));
    if (id) return [{ id, type, occurredAt, payload: body }];
    const senderId = headers.get("x-zendesk-webhook-invocation-id");
    if (!senderId) return { error: "a Zendesk event needs an id (or the X-Zendesk-Webhook-Invocation-Id header)" };
    return [{ id: contentId(request), senderId, type, occurredAt, payload: body }];
  },
};
