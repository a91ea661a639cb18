/**
 * What Twilio sends (https://www.twilio.com/docs/messaging/guides/webhook-request): form-encoded requests signed with
 * `X-Twilio-Signature` (verified by the `twilio` source): an inbound message (`message.received`, the customer's
 * reply; MMS media as `MediaUrl<n>`/`MediaContentType<n>`) and status callbacks of messages we sent.
 */
import { z } from "zod";
import { webhookEvents } from "../triggers.ts";

export const TwilioInboundMessage = z
  .object({
    MessageSid: z.string().regex(/^(SM|MM)[0-9a-f]{32}$/),
    AccountSid: z.string().startsWith("AC"),
    From: z.string().min(1),
    To: z.string().min(1),
    Body: z.string(),
    NumMedia: z.string().regex(/^\d+$/).optional(),
    SmsStatus: z.literal("received").optional(),
  })
  .passthrough();

export const TwilioStatusCallback = z
  .object({
    MessageSid: z.string(),
    MessageStatus: z.enum(["queued", "sending", "sent", "delivered", "undelivered", "failed", "read"]),
    To: z.string().optional(),
    ErrorCode: z.string().optional(),
  })
  .passthrough();

/** @example twilioEvents["message.received"].safeParse(payload).success */
export const twilioEvents = {
  "message.received": TwilioInboundMessage,
  "message.delivered": TwilioStatusCallback,
  "message.failed": TwilioStatusCallback,
  "message.undelivered": TwilioStatusCallback,
} as const;

/**
 * Typed triggers on the `twilio` source.
 * @example twilioWebhooks.on("message.received", { caseKey: (e) => phone(e.From), opens: false, reply: smsReplies })
 */
export const twilioWebhooks = webhookEvents("twilio", twilioEvents);
