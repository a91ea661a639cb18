import { field, text, type WebhookSource } from "../../webhooks/index.ts";
import { twilioScheme } from "./scheme.ts";

/** Twilio: the inbound SMS reply channel (`MessageSid`) and call status callbacks (`CallSid`). */
export const twilio: WebhookSource = {
  name: "twilio",
  scheme: twilioScheme,
  secretBinding: "TWILIO_AUTH_TOKEN",
  accepts: ["form", "json"],
  maxBodyBytes: 64 * 1024,
  deliveries({ body }) {
    const message = text(field(body, "MessageSid")) ?? text(field(body, "SmsSid"));
    if (message) {
      const status = text(field(body, "SmsStatus")) ?? text(field(body, "MessageStatus")) ?? "received";
      return [
        { id: status === "received" ? message : `${message}:${status}`, type: `message.${status}`, payload: body },
      ];
    }
    const call = text(field(body, "CallSid"));
    if (call) {
      const status = text(field(body, "CallStatus")) ?? "unknown";
      return [{ id: `${call}:${status}`, type: `call.${status}`, payload: body }];
    }
    return { error: "a Twilio request needs MessageSid or CallSid" };
  },
};
