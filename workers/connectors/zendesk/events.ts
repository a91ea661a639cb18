/**
 * What Zendesk sends (https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/): event
 * webhooks signed with `X-Zendesk-Webhook-Signature` (verified by the `zendesk` source), `type`
 * `zen:event-type:ticket.created` (or `…comment_added`) with the ticket in `detail`. Crossflow's ticket webhook carries the requester's
 * email (`detail.requester.email`, added in the webhook's configuration), which keys refund cases by customer.
 */
import { z } from "zod";
import { webhookEvents } from "../triggers.ts";

const TicketDetail = z
  .object({
    id: z.string(),
    subject: z.string().optional(),
    description: z.string().optional(),
    tags: z.array(z.string()).optional(),
    requester: z.object({ email: z.string().optional() }).optional(),
    requester_id: z.string().optional(),
  })
  .passthrough();

export const ZendeskTicketCreated = z
  .object({
    id: z.string(),
    type: z.literal("zen:event-type:ticket.created"),
    time: z.string().optional(),
    detail: TicketDetail,
  })
  .passthrough();

/** A comment on a ticket: the comment and its author in `event.comment` (support's replies and notes too). */
export const ZendeskCommentAdded = z
  .object({
    id: z.string(),
    type: z.literal("zen:event-type:ticket.comment_added"),
    time: z.string().optional(),
    detail: TicketDetail,
    event: z
      .object({
        comment: z
          .object({
            id: z.string().optional(),
            body: z.string().optional(),
            is_public: z.boolean().optional(),
            author: z.object({ id: z.string().optional(), is_staff: z.boolean().optional() }).passthrough().optional(),
          })
          .passthrough()
          .optional(),
        requester: z.object({ email: z.string().optional() }).passthrough().optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();

/** @example zendeskEvents["ticket.created"].safeParse(payload).success */
export const zendeskEvents = {
  "ticket.created": ZendeskTicketCreated,
  "ticket.comment_added": ZendeskCommentAdded,
} as const;

/**
 * Typed triggers on the `zendesk` source.
 * @example zendeskWebhooks.on("ticket.created", { caseKey: (e) => email(e.detail.requester?.email) })
 */
export const zendeskWebhooks = webhookEvents("zendesk", zendeskEvents);
