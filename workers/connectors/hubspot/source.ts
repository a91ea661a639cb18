import {
  DEFAULT_MAX_BODY_BYTES,
  type Delivery,
  epochMs,
  field,
  text,
  type WebhookSource,
} from "../../webhooks/index.ts";
import { hubspotScheme } from "./scheme.ts";

/** HubSpot sends a JSON array of up to 100 events, each with its own `eventId` and `subscriptionType`. */
export const hubspot: WebhookSource = {
  name: "hubspot",
  scheme: hubspotScheme(),
  secretBinding: "HUBSPOT_CLIENT_SECRET",
  accepts: ["json"],
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  deliveries({ body }) {
    if (!Array.isArray(body) || body.length === 0)
      return { error: "a HubSpot webhook body is a non-empty array of events" };
    const deliveries: Delivery[] = [];
    for (const [index, event] of body.entries()) {
      const id = text(field(event, "eventId"));
      const type = text(field(event, "subscriptionType"));
      if (!id || !type) return { error: `HubSpot event #${index} needs eventId and subscriptionType` };
      deliveries.push({ id, type, occurredAt: epochMs(field(event, "occurredAt")), payload: event });
    }
    return deliveries;
  },
};
