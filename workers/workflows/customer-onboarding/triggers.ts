/** How events find the customer's case: one case per customer, keyed by email (or, with SMS, by phone number). */
import { chatReplies, chatWebhooks } from "../../connectors/chat/events.ts";
import { emailReplies } from "../../connectors/email/client.ts";
import { emailWebhooks } from "../../connectors/email/events.ts";
import { onboardingFormWebhooks } from "../../connectors/onboarding-form/events.ts";
import { provisioningWebhooks } from "../../connectors/provisioning/events.ts";
import { e164, smsReplies } from "../../connectors/twilio/client.ts";
import { twilioWebhooks } from "../../connectors/twilio/events.ts";
import { type Application, smsNumber } from "./application.ts";

export const emailKey = (value: unknown) =>
  typeof value === "string" && value.includes("@") ? `customer:${value.trim().toLowerCase()}` : null;
const phoneKey = (value: unknown) => ((n) => (n ? `customer:${n}` : null))(e164(value));
/** One case per customer: by the number they text from when they chose SMS, else by email. */
const customerKey = (app: Partial<Application> | undefined) =>
  smsNumber(app) ? phoneKey(app!.phone) : emailKey(app?.email);

export const V1_TRIGGERS = [
  onboardingFormWebhooks.on("application.submitted", { caseKey: (e) => emailKey(e.application?.email) }),
  emailWebhooks.on("email.received", { caseKey: (e) => emailKey(e.data?.from), opens: false, reply: emailReplies }),
  provisioningWebhooks.on("service.activated", {
    caseKey: (e) => emailKey(e.activation?.customer?.email),
    opens: false,
  }),
];
export const V2_TRIGGERS = [
  onboardingFormWebhooks.on("application.submitted", { caseKey: (e) => customerKey(e.application) }),
  emailWebhooks.on("email.received", { caseKey: (e) => emailKey(e.data?.from), opens: false, reply: emailReplies }),
  // The customer's SMS (Twilio's inbound webhook): correlated by the number it comes from.
  twilioWebhooks.on("message.received", { caseKey: (e) => phoneKey(e.From), opens: false, reply: smsReplies }),
  provisioningWebhooks.on("service.activated", {
    caseKey: (e) =>
      e.activation?.customer?.phone ? phoneKey(e.activation.customer.phone) : emailKey(e.activation?.customer?.email),
    opens: false,
  }),
];
/** Version 4 on: the customer may also write from the chat link the documents ask carries (`GET /chat/:token`). */
export const V4_TRIGGERS = [
  ...V2_TRIGGERS,
  chatWebhooks.on("message.received", { caseKey: (e) => e.caseKey, opens: false, reply: chatReplies }),
];
