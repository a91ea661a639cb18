/**
 * An onboarding application from the CRM: when a deal reaches the onboarding stage, the CRM's webhook names only the
 * record, so this workflow reads it (and the customer behind it) from the CRM, turns them into an application and
 * submits it through the signup form's signed door, where customer-onboarding takes it like any other application
 * (keyed by the customer, so their emails and texts find that case). A record without a customer or without what an
 * application needs goes to a person with what is missing. Version 1 takes HubSpot deals; version 2 also Salesforce
 * Opportunities (a record-triggered Flow's signed callout) and moves the Opportunity on once it is handed over: a
 * deployment takes whichever CRM it is configured for (its webhook secret and connector settings).
 */
import { hubspotClient, hubspotConfig } from "../../connectors/hubspot/client.ts";
import { onboardingFormClient, onboardingFormConfig } from "../../connectors/onboarding-form/client.ts";
import { salesforceClient, salesforceConfig } from "../../connectors/salesforce/client.ts";
import { defineWorkflow, type Outcome, type WorkflowContext } from "../../engine/index.ts";
import { catalogued } from "../catalogue.ts";
import type { Application } from "../customer-onboarding/index.ts";
import {
  applicationFrom,
  CONTACT_PROPERTIES,
  DEAL_PROPERTIES,
  type DealStageChange,
  hubspotDealTrigger,
} from "./hubspot.ts";
import {
  ACCOUNT_FIELDS,
  applicationFromOpportunity,
  OPPORTUNITY_FIELDS,
  type OpportunityStageChange,
  SALESFORCE_SUBMITTED_STAGE,
  salesforceOpportunityTrigger,
} from "./salesforce.ts";

export { applicationFrom, ONBOARDING_STAGE } from "./hubspot.ts";
export { applicationFromOpportunity, SALESFORCE_ONBOARDING_STAGE, SALESFORCE_SUBMITTED_STAGE } from "./salesforce.ts";

type Context = Pick<WorkflowContext<unknown>, "step" | "config">;

/** Submits the application through the signup form's door; resolves with the onboarding case it opened. */
async function handOver({ step, config }: Context, application: Application) {
  const submitted = await step.run("submit-application", (ctx) =>
    onboardingFormClient(onboardingFormConfig(config)).submit(application, ctx),
  );
  return submitted.deliveries[0]?.cases[0]?.caseKey ?? null;
}

async function fromHubSpot(input: DealStageChange, { step, config }: Context): Promise<Outcome> {
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
  const onboardingCase = await handOver({ step, config }, built.application);
  return step.resolve("handed-to-onboarding", { onboardingCase, deal: deal.id });
}

async function fromSalesforce(input: OpportunityStageChange, { step, config }: Context): Promise<Outcome> {
  const salesforce = () => salesforceClient(salesforceConfig(config));
  const id = input.opportunity.Id;
  const opportunity = await step.run("load-opportunity", () => salesforce().getOpportunity(id, OPPORTUNITY_FIELDS));
  const accountId = typeof opportunity.AccountId === "string" ? opportunity.AccountId : null;
  if (!accountId)
    return step.escalate("no-account", {
      reason: `opportunity ${id} has no account to onboard`,
      evidence: { opportunity },
      queue: "onboarding",
    });
  const account = await step.run("load-account", () => salesforce().getAccount(accountId, ACCOUNT_FIELDS));
  const built = await step.run("application", () => applicationFromOpportunity(opportunity, account));
  if ("missing" in built) {
    return step.escalate("incomplete-opportunity", {
      reason: `opportunity ${id} lacks ${built.missing.join(", ")}`,
      evidence: { opportunity, account },
      proposedAction:
        "complete the opportunity and its account in Salesforce, then submit the application through the signup form",
      queue: "onboarding",
    });
  }
  const onboardingCase = await handOver({ step, config }, built.application);
  // The sales team sees in Salesforce that the deal left their hands.
  await step.run("opportunity-stage", () => salesforce().setOpportunityStage(id, SALESFORCE_SUBMITTED_STAGE));
  return step.resolve("handed-to-onboarding", { onboardingCase, opportunity: id });
}

/** Version 1: HubSpot deals. */
export const crmDealIntakeV1 = defineWorkflow<DealStageChange>(
  { ...catalogued("crm-deal-intake", 1), triggers: [hubspotDealTrigger] },
  async ({ input, step, config }) => fromHubSpot(input, { step, config }),
);

/** Version 2: HubSpot deals or Salesforce Opportunities, whichever the deployment's CRM sends. */
export default defineWorkflow<DealStageChange | OpportunityStageChange>(
  { ...catalogued("crm-deal-intake", 2), triggers: [hubspotDealTrigger, salesforceOpportunityTrigger] },
  async ({ input, step, config }) =>
    "opportunity" in input ? fromSalesforce(input, { step, config }) : fromHubSpot(input, { step, config }),
);
