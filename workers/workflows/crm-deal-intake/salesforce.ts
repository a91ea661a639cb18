/**
 * A Salesforce Opportunity at the onboarding stage: the Flow's callout names the Opportunity, whose person account
 * (B2C orgs keep the customer's details on it) is read too; their fields make the application.
 */
import type { SalesforceRecord } from "../../connectors/salesforce/client.ts";
import { type salesforceEvents, salesforceWebhooks } from "../../connectors/salesforce/events.ts";
import type { PayloadOf } from "../../connectors/triggers.ts";
import { applicationOf } from "./application.ts";

/** The Opportunity stage at which the org's Flow reports a deal, and the one it moves to once handed over. */
export const SALESFORCE_ONBOARDING_STAGE = "Onboarding";
export const SALESFORCE_SUBMITTED_STAGE = "Application Submitted";
export const OPPORTUNITY_FIELDS = ["Name", "StageName", "AccountId", "Plan__c", "Payment_Method__c", "Documents__c"];
export const ACCOUNT_FIELDS = [
  "FirstName",
  "LastName",
  "PersonEmail",
  "PersonBirthdate",
  "PersonMobilePhone",
  "BillingCountryCode",
  "Preferred_Channel__c",
  "Data_Processing_Consent__c",
];

export type OpportunityStageChange = PayloadOf<typeof salesforceEvents, "opportunity.stage_changed">;

export const salesforceOpportunityTrigger = salesforceWebhooks.on("opportunity.stage_changed", {
  when: (e) => e.opportunity.StageName === SALESFORCE_ONBOARDING_STAGE,
  caseKey: (e) => `salesforce:${e.orgId}:opportunity:${e.opportunity.Id}`,
});

/** The application an Opportunity and its person account describe, or the fields they lack (by their API names). */
export function applicationFromOpportunity(opportunity: SalesforceRecord, account: SalesforceRecord) {
  const field = (record: SalesforceRecord, name: string) => ({ name, value: record[name] });
  return applicationOf({
    email: field(account, "PersonEmail"),
    firstname: field(account, "FirstName"),
    lastname: field(account, "LastName"),
    birthDate: field(account, "PersonBirthdate"),
    country: field(account, "BillingCountryCode"),
    plan: field(opportunity, "Plan__c"),
    paymentMethod: field(opportunity, "Payment_Method__c"),
    documents: field(opportunity, "Documents__c"),
    phone: field(account, "PersonMobilePhone"),
    preferredChannel: field(account, "Preferred_Channel__c"),
    consent: field(account, "Data_Processing_Consent__c"),
  });
}
