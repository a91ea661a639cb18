/**
 * A HubSpot deal at the onboarding stage: HubSpot's webhook names only the deal, so the deal and its first contact
 * are read back, and their properties make the application.
 */
import type { CrmRecord } from "../../connectors/hubspot/client.ts";
import { type hubspotEvents, hubspotWebhooks } from "../../connectors/hubspot/events.ts";
import type { PayloadOf } from "../../connectors/triggers.ts";
import { applicationOf } from "./application.ts";

/** The deal stage (its internal id in the onboarding pipeline) at which a deal becomes an application. */
export const ONBOARDING_STAGE = "onboarding";
export const DEAL_PROPERTIES = ["dealname", "dealstage", "plan", "payment_method", "documents"] as const;
export const CONTACT_PROPERTIES = [
  "email",
  "firstname",
  "lastname",
  "phone",
  "date_of_birth",
  "country",
  "preferred_channel",
  "data_processing_consent",
] as const;

export type DealStageChange = PayloadOf<typeof hubspotEvents, "deal.propertyChange">;

export const hubspotDealTrigger = hubspotWebhooks.on("deal.propertyChange", {
  when: (e) => e.propertyName === "dealstage" && e.propertyValue === ONBOARDING_STAGE,
  caseKey: (e) =>
    Number.isSafeInteger(e.portalId) && Number.isSafeInteger(e.objectId)
      ? `hubspot:${e.portalId}:deal:${e.objectId}`
      : null,
});

/** The application a deal and its contact describe, or the properties they lack (by HubSpot's names). */
export function applicationFrom(deal: CrmRecord, contact: CrmRecord) {
  const p = { ...deal.properties, ...contact.properties };
  const field = (name: string) => ({ name, value: p[name] });
  return applicationOf({
    email: field("email"),
    firstname: field("firstname"),
    lastname: field("lastname"),
    birthDate: field("date_of_birth"),
    country: field("country"),
    plan: field("plan"),
    paymentMethod: field("payment_method"),
    documents: field("documents"),
    phone: field("phone"),
    preferredChannel: field("preferred_channel"),
    consent: field("data_processing_consent"),
  });
}
