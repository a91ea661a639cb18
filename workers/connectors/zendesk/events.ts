/**
 * What Zendesk sends (https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/): event
 * webhooks signed with `X-Zendesk-Webhook-Signature` (verified by the `zendesk` source), `type`
 * `zen:event-type:ticket.created` with the ticket in `detail`. Crossflow's ticket webhook carries the requester's
 * email (`detail.requester.email`, added in the webhook's configuration), which keys refund cases by customer.
 */
import { z } from "zod";

export const ZendeskTicketCreated = z
  .object({
    id: z.string(),
    type: z.literal("zen:event-type:ticket.created"),
    time: z.string().optional(),
    detail: z.object({ id: z.string(), subject: z.string().optional(), description: z.string().optional(), tags: z.array(z.string()).optional(), requester: z.object({ email: z.string().optional() }).optional(), requester_id: z.string().optional() }).passthrough(),
  })
  .passthrough();

/** @example zendeskEvents["ticket.created"].safeParse(payload).success */
export const zendeskEvents = { "ticket.created": ZendeskTicketCreated } as const;
