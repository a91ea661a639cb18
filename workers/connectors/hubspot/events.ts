/**
 * What HubSpot sends (https://developers.hubspot.com/docs/api/webhooks): a JSON array of up to 100 events signed
 * with `X-HubSpot-Signature-v3` (verified by the `hubspot` source), each naming the object by id only.
 */
import { z } from "zod";
import { webhookEvents } from "../triggers.ts";

export const HubSpotPropertyChange = z
  .object({
    eventId: z.number().int(),
    subscriptionId: z.number().int().optional(),
    portalId: z.number().int(),
    appId: z.number().int().optional(),
    occurredAt: z.number().int(),
    subscriptionType: z.enum(["deal.propertyChange", "contact.propertyChange"]),
    attemptNumber: z.number().int().optional(),
    objectId: z.number().int(),
    propertyName: z.string(),
    propertyValue: z.string(),
    changeSource: z.string().optional(),
  })
  .passthrough();

/** @example hubspotEvents["deal.propertyChange"].safeParse(event).success */
export const hubspotEvents = {
  "deal.propertyChange": HubSpotPropertyChange,
  "contact.propertyChange": HubSpotPropertyChange,
} as const;

/**
 * Typed triggers on the `hubspot` source.
 * @example hubspotWebhooks.on("deal.propertyChange", { caseKey: (e) => `hubspot:${e.portalId}:deal:${e.objectId}` })
 */
export const hubspotWebhooks = webhookEvents("hubspot", hubspotEvents);
