/**
 * crm-deal-intake's exceptions inside workerd: a signed HubSpot deal-stage webhook opens the intake case, which
 * reads the deal from the HubSpot simulator; a deal without a contact, or without what an application needs, goes
 * to a person with what is missing. (The hand-over of a complete deal is end to end: test/e2e/customer-onboarding.)
 */
import { describe, expect, inject, it } from "vitest";
import { sign } from "../../scripts/senders.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { ORIGIN, secret, send, settle } from "./helpers.ts";

const WF = "crm-deal-intake";
const hubspot = (path: string, method: string, body: unknown) =>
  fetch(`${inject("simulatorsUrl")}/hubspot${path}`, {
    method,
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.hubspot}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  }).then((r) => r.json() as Promise<any>);
let eventId = Date.now();
const stageChange = (dealId: string, stage: string) => ({
  eventId: ++eventId,
  subscriptionId: 1,
  portalId: 62515,
  appId: 1,
  occurredAt: Date.now(),
  subscriptionType: "deal.propertyChange",
  attemptNumber: 0,
  objectId: Number(dealId),
  propertyName: "dealstage",
  propertyValue: stage,
  changeSource: "CRM_UI",
});

describe("crm-deal-intake", () => {
  it("hands a deal that lacks application data to a person, naming what is missing", async () => {
    const email = `intake-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const contact = await hubspot("/crm/v3/objects/contacts/batch/upsert", "POST", {
      inputs: [{ id: email, idProperty: "email", properties: { firstname: "Lin", country: "DE" } }],
    });
    const deal = await hubspot("/crm/v3/objects/deals", "POST", {
      properties: { dealname: "Fiber for Lin", plan: "fiber-500", documents: "not json" },
      associations: [{ to: { id: contact.results[0].id } }],
    });
    const res = await send(
      await sign.hubspot(secret("HUBSPOT_CLIENT_SECRET"), [stageChange(deal.id, "onboarding")], { origin: ORIGIN }),
    );
    expect(res.status).toBe(202);
    const view = await settle(WF, `hubspot:62515:deal:${deal.id}`, (v) => v.header.status === "escalated");
    expect(view.wait?.human).toMatchObject({
      queue: "onboarding",
      packet: { reason: `deal ${deal.id} lacks date_of_birth, payment_method, documents` },
    });
  });

  it("hands a deal without a contact to a person", async () => {
    const deal = await hubspot("/crm/v3/objects/deals", "POST", { properties: { dealname: "Orphan deal" } });
    await send(
      await sign.hubspot(secret("HUBSPOT_CLIENT_SECRET"), [stageChange(deal.id, "onboarding")], { origin: ORIGIN }),
    );
    const view = await settle(WF, `hubspot:62515:deal:${deal.id}`, (v) => v.header.status === "escalated");
    expect(view.wait?.human?.packet.reason).toBe(`deal ${deal.id} has no contact to onboard`);
  });

  it("hands a complete deal to customer-onboarding through the worker's own SELF binding (no ONBOARDING_FORM_URL set)", async () => {
    const email = `self-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const contact = await hubspot("/crm/v3/objects/contacts/batch/upsert", "POST", {
      inputs: [
        {
          id: email,
          idProperty: "email",
          properties: {
            firstname: "Ada",
            lastname: "Byron",
            date_of_birth: "1985-12-10",
            country: "de",
            data_processing_consent: "true",
          },
        },
      ],
    });
    const documents = JSON.stringify([
      { type: "passport", fileName: "passport.pdf", contentType: "application/pdf", sizeBytes: 240_000 },
    ]);
    const deal = await hubspot("/crm/v3/objects/deals", "POST", {
      properties: { dealname: "Fiber for Ada", plan: "fiber-500", payment_method: "pm_card_visa", documents },
      associations: [{ to: { id: contact.results[0].id } }],
    });
    expect(
      (
        await send(
          await sign.hubspot(secret("HUBSPOT_CLIENT_SECRET"), [stageChange(deal.id, "onboarding")], { origin: ORIGIN }),
        )
      ).status,
    ).toBe(202);
    const intake = await settle(WF, `hubspot:62515:deal:${deal.id}`);
    expect(intake.header.outcome).toBe("handed-to-onboarding");
    const onboarding = await settle("customer-onboarding", `customer:${email}`, (v) => v.header.status !== "open");
    expect(onboarding.opener).toMatchObject({
      source: "onboarding-form",
      payload: { application: { email, plan: "fiber-500" } },
    });
  });

  it("takes no deal moved to another stage (dead-lettered, no case)", async () => {
    const res = await send(
      await sign.hubspot(secret("HUBSPOT_CLIENT_SECRET"), [stageChange("999", "closedlost")], { origin: ORIGIN }),
    );
    expect(res.status).toBe(202);
    expect(res.body.deliveries[0].status).toBe("dead_lettered");
  });
});
