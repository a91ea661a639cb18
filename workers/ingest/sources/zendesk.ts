import { zendeskScheme } from "../schemes/index.ts";
import { DEFAULT_MAX_BODY_BYTES, type WebhookSource } from "../source.ts";
import { epochMs, field, text } from "./fields.ts";

/**
 * Zendesk event webhooks carry `id` and `type` (`zen:event-type:ticket.created`); trigger webhooks carry what
 * the admin templated, so they fall back to the invocation id header and the type `trigger`.
 */
export const zendesk: WebhookSource = {
  name: "zendesk",
  scheme: zendeskScheme(),
  secretBinding: "ZENDESK_WEBHOOK_SECRET",
  accepts: ["json"],
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  deliveries({ headers, body }) {
    const id = text(field(body, "id")) ?? headers.get("x-zendesk-webhook-invocation-id") ?? undefined;
    if (!id) return { error: "a Zendesk event needs an id (or the X-Zendesk-Webhook-Invocation-Id header)" };
    const type = (text(field(body, "type")) ?? "trigger").replace(/^zen:event-type:/, "");
    return [{ id, type, occurredAt: epochMs(field(body, "time")), payload: body }];
  },
};
