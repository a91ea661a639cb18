/**
 * An onboarding application from the CRM: when a HubSpot deal moves to the `onboarding` stage, HubSpot's webhook
 * names only the deal, so this workflow reads the deal and its contact from HubSpot, turns them into an application
 * and submits it through the signup form's signed door, where customer-onboarding takes it like any other
 * application (keyed by the customer, so their emails and texts find that case). A deal without a contact or
 * without what an application needs goes to a person with what is missing.
 */
import { z } from "zod";
import { type CrmRecord, hubspotClient, hubspotConfig } from "../connectors/hubspot/client.ts";
import { type hubspotEvents, hubspotWebhooks } from "../connectors/hubspot/events.ts";
import { onboardingFormClient, onboardingFormConfig } from "../connectors/onboarding-form/client.ts";
import type { PayloadOf } from "../connectors/triggers.ts";
import { defineWorkflow } from "../engine/index.ts";
import { catalogued } from "./catalogue.ts";
import type { Application } from "./customer-onboarding/index.ts";

/** The deal stage (its internal id in the onboarding pipeline) at which a deal becomes an application. */
export const ONBOARDING_STAGE = "onboarding";
const DEAL_PROPERTIES = ["dealname", "dealstage", "plan", "payment_method", "documents"] as const;
const CONTACT_PROPERTIES = [
  "email",
  "firstname",
  "lastname",
  "phone",
  "date_of_birth",
  "country",
  "preferred_channel",
  "data_processing_consent",
] as const;

type DealStageChange = PayloadOf<typeof hubspotEvents, "deal.propertyChange">;

/** The documents property holds the files' metadata as JSON (HubSpot custom properties are text). */
const Documents = z.array(
  z.object({
    type: z.string().min(1),
    fileName: z.string(),
    contentType: z.string(),
    sizeBytes: z.number().int().nonnegative(),
  }),
);

/** The application a deal and its contact describe, or what they lack. */
export function applicationFrom(
  deal: CrmRecord,
  contact: CrmRecord,
): { application: Application } | { missing: string[] } {
  const p = { ...deal.properties, ...contact.properties };
  const text = (name: string) => (typeof p[name] === "string" && p[name] !== "" ? (p[name] as string) : undefined);
  let documents: z.infer<typeof Documents> | undefined;
  try {
    const parsed = Documents.safeParse(JSON.parse(text("documents") ?? "null"));
    documents = parsed.success ? parsed.data : undefined;
  } catch {
    // Not JSON: reported below as a missing property.
    documents = undefined;
  }
  const required = {
    email: text("email"),
    firstname: text("firstname"),
    date_of_birth: text("date_of_birth"),
    country: text("country"),
    plan: text("plan"),
    payment_method: text("payment_method"),
  };
  const missing = [
    ...Object.entries(required)
      .filter(([, v]) => !v)
      .map(([k]) => k),
    ...(documents ? [] : ["documents"]),
  ];
  if (missing.length > 0) return { missing };
  return {
    application: {
      email: required.email!,
      name: [required.firstname, text("lastname")].filter(Boolean).join(" "),
      birthDate: required.date_of_birth!,
      country: required.country!.toUpperCase(),
      plan: required.plan!,
      paymentMethod: required.payment_method!,
      consent: text("data_processing_consent") === "true",
      documents: documents!,
      ...(text("phone") ? { phone: text("phone") } : {}),
      ...(text("preferred_channel") === "sms" ? { contactBy: "sms" as const } : {}),
    },
  };
}

export default defineWorkflow<DealStageChange>(
  {
    ...catalogued("crm-deal-intake", 1),
    triggers: [
      hubspotWebhooks.on("deal.propertyChange", {
        when: (e) => e.propertyName === "dealstage" && e.propertyValue === ONBOARDING_STAGE,
        caseKey: (e) =>
          Number.isSafeInteger(e.portalId) && Number.isSafeInteger(e.objectId)
            ? `hubspot:${e.portalId}:deal:${e.objectId}`
            : null,
      }),
    ],
  },
  async ({ input, step, config }) => {
    const hubspot = () => hubspotClient(hubspotConfig(config));
    const deal = await step.run("load-deal", () => hubspot().getDeal(String(input.objectId), DEAL_PROPERTIES));
    if (!deal.contactId)
      return step.escalate("no-contact", {
        reason: `deal ${deal.id} has no contact to onboard`,
        evidence: { deal },
        queue: "onboarding",
      });
    const contact = await step.run("load-contact", () => hubspot().getContact(deal.contactId!, CONTACT_PROPERTIES));
    const built = await step.run("application", () => applicationFrom(deal, contact));
    if ("missing" in built) {
      return step.escalate("incomplete-deal", {
        reason: `deal ${deal.id} lacks ${built.missing.join(", ")}`,
        evidence: { deal, contact },
        proposedAction: "complete the deal in HubSpot, then submit the application through the signup form",
        queue: "onboarding",
      });
    }
    const submitted = await step.run("submit-application", (ctx) =>
      onboardingFormClient(onboardingFormConfig(config)).submit(built.application, ctx),
    );
    return step.resolve("handed-to-onboarding", {
      onboardingCase: submitted.deliveries[0]?.cases[0]?.caseKey ?? null,
      deal: deal.id,
    });
  },
);
