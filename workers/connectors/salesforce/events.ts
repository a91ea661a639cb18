/**
 * What Salesforce sends: a record-triggered Flow on Opportunity ("StageName changed to Onboarding") calls out over
 * HTTP with this JSON, signed by the org's invocable Apex action (`Crypto.generateMac('hmacSHA256', …)` over
 * `<timestamp>.<body>`) and verified by the configured generic-HMAC `salesforce` source (wrangler.toml). The callout
 * names the records by id; the workflow reads them through the REST API.
 */
import { z } from "zod";
import { webhookEvents } from "../triggers.ts";

/** An 18-character (or 15-character) Salesforce record id. */
const RecordId = z.string().regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/);

export const OpportunityStageChanged = z
  .object({
    event: z.literal("opportunity.stage_changed"),
    /** The org's id (00D…): one Crossflow may serve several orgs. */
    orgId: RecordId,
    occurredAt: z.string(),
    opportunity: z
      .object({ Id: RecordId, StageName: z.string(), AccountId: RecordId.nullable().optional() })
      .passthrough(),
  })
  .passthrough();

/** @example salesforceEvents["opportunity.stage_changed"].safeParse(payload).success */
export const salesforceEvents = { "opportunity.stage_changed": OpportunityStageChanged } as const;

/**
 * Typed triggers on the `salesforce` source.
 * @example salesforceWebhooks.on("opportunity.stage_changed", { caseKey: (e) => `salesforce:${e.orgId}:opportunity:${e.opportunity.Id}` })
 */
export const salesforceWebhooks = webhookEvents("salesforce", salesforceEvents);
