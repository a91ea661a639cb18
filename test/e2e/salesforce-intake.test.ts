/**
 * The CRM intake from Salesforce, end to end on `wrangler dev` with the simulators and the offline model: an
 * Opportunity moved to the onboarding stage makes the org's Flow call out (signed, the generic-HMAC `salesforce`
 * source), crm-deal-intake reads the Opportunity and its person account through the REST API (client credentials),
 * hands the application to customer-onboarding through the signup form's door, and moves the Opportunity on; an
 * Opportunity that lacks what an application needs goes to a person naming the fields as Salesforce calls them; a
 * callout with a wrong signature is refused and opens nothing.
 */
import { describe, expect, it } from "vitest";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign } from "../../scripts/senders.ts";
import { SIMULATOR_KEYS, SIMULATOR_SALESFORCE_CLIENT_ID } from "../../simulators/keys.ts";
import { SALESFORCE_ORG_ID } from "../../simulators/salesforce.ts";
import { useStack } from "../support/stack.ts";
import { eventually } from "../support/wait.ts";

const stack = useStack("salesforce-intake");
const token = () => firstSecret(devVar("CROSSFLOW_API_TOKEN"));
const caseAt = async (workflow: string, key: string) =>
  (await (
    await fetch(`${stack().worker.url}/api/cases/${workflow}/${encodeURIComponent(key)}`, {
      headers: { authorization: `Bearer ${token()}` },
    })
  ).json()) as any;
const ended = (v: any) => ["resolved", "escalated", "failed"].includes(v.header?.status);
const endedCase = (workflow: string, key: string, what: string) =>
  eventually(async () => ((v) => (ended(v) ? v : undefined))(await caseAt(workflow, key)), 30_000, what);

/** A call to the org's REST API as an integration user (its own session). */
async function salesforce(path: string, method: string, body?: unknown): Promise<any> {
  const base = `${stack().simulators.url}/salesforce`;
  const login = await fetch(`${base}/services/oauth2/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: SIMULATOR_SALESFORCE_CLIENT_ID,
      client_secret: SIMULATOR_KEYS.salesforce,
    }),
  });
  const { access_token } = (await login.json()) as { access_token: string };
  const res = await fetch(`${base}/services/data/v62.0${path}`, {
    method,
    headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return res.status === 204 ? null : res.json();
}
const passport = { type: "passport", fileName: "passport.pdf", contentType: "application/pdf", sizeBytes: 240_000 };

describe("CRM intake from Salesforce on wrangler dev", () => {
  it("opens an onboarding case from an Opportunity moved to Onboarding, then moves the Opportunity on", async () => {
    const email = `sf-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const account = await salesforce("/sobjects/Account", "POST", {
      FirstName: "Grace",
      LastName: "Hopper",
      PersonEmail: email,
      PersonBirthdate: "1986-12-09",
      BillingCountryCode: "NL",
      Data_Processing_Consent__c: true,
    });
    const opportunity = await salesforce("/sobjects/Opportunity", "POST", {
      Name: "Fiber for Grace",
      StageName: "Qualification",
      AccountId: account.id,
      Plan__c: "fiber-1000",
      Payment_Method__c: "pm_card_visa",
      Documents__c: JSON.stringify([passport]),
    });
    await salesforce(`/sobjects/Opportunity/${opportunity.id}`, "PATCH", { StageName: "Onboarding" });

    const intake = await endedCase(
      "crm-deal-intake",
      `salesforce:${SALESFORCE_ORG_ID}:opportunity:${opportunity.id}`,
      "opportunity handed over",
    );
    expect(intake.header).toMatchObject({ status: "resolved", outcome: "handed-to-onboarding", workflowVersion: 2 });
    expect(intake.events[0]).toMatchObject({ source: "salesforce", type: "opportunity.stage_changed" });
    expect(intake.steps.map((s: any) => s.id)).toEqual([
      "load-opportunity",
      "load-account",
      "application",
      "submit-application",
      "opportunity-stage",
      "resolve:handed-to-onboarding",
    ]);
    const onboarding = await endedCase("customer-onboarding", `customer:${email}`, "onboarded from the opportunity");
    expect(onboarding.header.outcome).toBe("onboarded");
    expect(onboarding.opener).toMatchObject({
      source: "onboarding-form",
      payload: { application: { email, name: "Grace Hopper", country: "NL", plan: "fiber-1000", consent: true } },
    });
    const moved = await salesforce(`/sobjects/Opportunity/${opportunity.id}?fields=StageName`, "GET");
    expect(moved.StageName).toBe("Application Submitted");
  });

  it("hands an Opportunity that lacks application data to a person, naming Salesforce's fields", async () => {
    const account = await salesforce("/sobjects/Account", "POST", { FirstName: "Lin", BillingCountryCode: "DE" });
    const opportunity = await salesforce("/sobjects/Opportunity", "POST", {
      Name: "Fiber for Lin",
      StageName: "Onboarding",
      AccountId: account.id,
      Plan__c: "fiber-500",
      Documents__c: "not json",
    });
    const view = await endedCase(
      "crm-deal-intake",
      `salesforce:${SALESFORCE_ORG_ID}:opportunity:${opportunity.id}`,
      "escalated",
    );
    expect(view.header.status).toBe("escalated");
    expect(view.wait.human).toMatchObject({
      queue: "onboarding",
      packet: {
        reason: `opportunity ${opportunity.id} lacks PersonEmail, PersonBirthdate, Payment_Method__c, Documents__c`,
      },
    });
  });

  it("refuses a callout signed with another secret, and opens no case", async () => {
    const id = "006000000000999AAA";
    const payload = {
      event: "opportunity.stage_changed",
      orgId: SALESFORCE_ORG_ID,
      occurredAt: new Date().toISOString(),
      opportunity: { Id: id, StageName: "Onboarding", AccountId: null },
    };
    const res = await post(
      stack().worker.url,
      await sign.hmacSource("salesforce", "not-the-secret", "sf-bad", payload),
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: expect.any(String) } });
    const view = await fetch(
      `${stack().worker.url}/api/cases/crm-deal-intake/${encodeURIComponent(`salesforce:${SALESFORCE_ORG_ID}:opportunity:${id}`)}`,
      { headers: { authorization: `Bearer ${token()}` } },
    );
    expect(view.status).toBe(404);
  });
});
