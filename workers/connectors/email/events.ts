/**
 * What the email provider sends (Resend's inbound `email.received`, https://resend.com/docs/dashboard/webhooks/event-types),
 * as a Standard Webhooks sender (the configured `resend` source verifies it): the customer's reply to an `ask`.
 */
import { z } from "zod";
import { webhookEvents } from "../triggers.ts";

export const EmailReceived = z
  .object({
    type: z.literal("email.received"),
    created_at: z.string(),
    data: z
      .object({
        from: z.string(),
        to: z.union([z.string(), z.array(z.string())]).optional(),
        subject: z.string().optional(),
        text: z.string().optional(),
        attachments: z
          .array(
            z
              .object({
                filename: z.string().optional(),
                content_type: z.string().optional(),
                size: z.number().optional(),
              })
              .passthrough(),
          )
          .optional(),
      })
      .passthrough(),
  })
  .passthrough();

/** @example emailEvents["email.received"].safeParse(payload).success */
export const emailEvents = { "email.received": EmailReceived } as const;

/**
 * Typed triggers on the `resend` source (the Standard Webhooks source the email provider is configured as).
 * @example emailWebhooks.on("email.received", { caseKey: (e) => email(e.data.from), opens: false, reply: emailReplies })
 */
export const emailWebhooks = webhookEvents("resend", emailEvents);
