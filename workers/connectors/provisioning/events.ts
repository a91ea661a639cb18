/** What the provisioning system sends: `service.activated` on the configured generic-HMAC `provisioning` source. */
import { z } from "zod";
import { webhookEvents } from "../triggers.ts";

export const ServiceActivated = z
  .object({
    event: z.literal("service.activated"),
    activation: z
      .object({
        id: z.string(),
        status: z.literal("active"),
        plan: z.string().optional(),
        market: z.string().optional(),
        customer: z.object({ email: z.string(), name: z.string().optional(), phone: z.string().optional() }),
      })
      .passthrough(),
  })
  .passthrough();

/** @example provisioningEvents["service.activated"].safeParse(payload).success */
export const provisioningEvents = { "service.activated": ServiceActivated } as const;

/**
 * Typed triggers on the `provisioning` source.
 * @example provisioningWebhooks.on("service.activated", { caseKey: (e) => email(e.activation.customer.email), opens: false })
 */
export const provisioningWebhooks = webhookEvents("provisioning", provisioningEvents);
