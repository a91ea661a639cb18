/**
 * A local HubSpot CRM: contacts upserted by email (`POST /crm/v3/objects/contacts/batch/upsert` with
 * `idProperty: "email"`, as HubSpot's API does), notes associated with a contact (`POST /crm/v3/objects/notes`),
 * and deals associated with a contact (`POST/PATCH/GET /crm/v3/objects/deals`). Upserting the same email twice
 * keeps one contact, so a repeated step cannot duplicate it. A deal moved to another stage is reported the way
 * HubSpot's Webhooks API does: a JSON array with a `deal.propertyChange` event (ids only, no properties), signed
 * with `X-HubSpot-Signature-v3` under the app's client secret, to the worker's `/hooks/hubspot` (set at
 * `POST /_sim/webhooks` once the worker is up).
 */
import { deliver, sign } from "../scripts/senders.ts";
import type { CrmRecord } from "../workers/connectors/hubspot/client.ts";
import { createSimulator, type Simulator } from "./kit.ts";

/** A CRM record as the connector reads it; the simulator stores every property it has as text. */
export interface CrmDeal extends CrmRecord {
  properties: Record<string, string>;
  contactId: string | null;
}

/** The portal and app the simulated webhooks name. */
const PORTAL_ID = 62515;
const APP_ID = 1160452;

export interface CrmContact extends CrmRecord {
  properties: Record<string, string>;
}

export interface CrmNote {
  id: string;
  body: string;
  contactId: string;
}

export function hubspotSimulator(
  apiKey = "pat_crossflow_local",
): Simulator & { contacts: Map<string, CrmContact>; notes: CrmNote[]; deals: Map<string, CrmDeal> } {
  const sim = createSimulator({ apiKey });
  const contacts = new Map<string, CrmContact>(); // by email
  const notes: CrmNote[] = [];
  const deals = new Map<string, CrmDeal>();
  const webhook = { url: null as string | null, secret: null as string | null };
  // Ids start from the clock, so a restarted simulator never reuses an id (or event id) a kept case already saw.
  let next = Date.now() % 1e11;
  let eventId = Date.now() % 1e11;
  const contactById = (id: string) => [...contacts.values()].find((c) => c.id === id);
  const notFound = (kind: string, id: string) => ({
    status: "error",
    category: "OBJECT_NOT_FOUND",
    message: `${kind} ${id} does not exist`,
  });
  /** HubSpot's property-change event for `deal`, signed, to the worker (after the answer, as HubSpot does). */
  const reportChange = (deal: CrmDeal, propertyName: string) => {
    const { url, secret } = webhook;
    if (!url || !secret) return;
    const event = {
      eventId: ++eventId,
      subscriptionId: 2481,
      portalId: PORTAL_ID,
      appId: APP_ID,
      occurredAt: Date.now(),
      subscriptionType: "deal.propertyChange",
      attemptNumber: 0,
      objectId: Number(deal.id),
      propertyName,
      propertyValue: deal.properties[propertyName] ?? "",
      changeSource: "CRM_UI",
      sourceId: "userId:4711",
    };
    setTimeout(() => {
      void sign
        .hubspot(secret, [event], { origin: url })
        .then((request) => deliver(url, request))
        .then(async (res) => {
          if (!res.ok)
            console.error(`hubspot simulator: webhook for deal ${deal.id} answered ${res.status} ${await res.text()}`);
        })
        .catch((error: Error) =>
          console.error(`hubspot simulator: webhook for deal ${deal.id} failed: ${error.message}`),
        );
    }, 50);
  };

  sim.app.post("/_sim/webhooks", async (c) => {
    Object.assign(webhook, await c.req.json());
    return c.json({ ok: true });
  });
  sim.app.post("/crm/v3/objects/deals", async (c) => {
    const body = (await c.req.json().catch(() => null)) as {
      properties?: Record<string, string>;
      associations?: { to?: { id?: string } }[];
    } | null;
    if (!body?.properties?.dealname)
      return c.json({ status: "error", category: "VALIDATION_ERROR", message: "dealname is required" }, 400);
    const contactId = body.associations?.[0]?.to?.id ?? null;
    if (contactId && !contactById(contactId)) return c.json(notFound("contact", contactId), 404);
    const deal: CrmDeal = {
      id: String(++next),
      properties: { dealstage: "appointmentscheduled", ...body.properties },
      contactId,
    };
    deals.set(deal.id, deal);
    return c.json({ id: deal.id, properties: deal.properties, createdAt: new Date().toISOString() }, 201);
  });
  sim.app.patch("/crm/v3/objects/deals/:id", async (c) => {
    const deal = deals.get(c.req.param("id"));
    if (!deal) return c.json(notFound("deal", c.req.param("id")), 404);
    const body = (await c.req.json().catch(() => null)) as { properties?: Record<string, string> } | null;
    const before = deal.properties.dealstage;
    Object.assign(deal.properties, body?.properties ?? {});
    if (deal.properties.dealstage !== before) reportChange(deal, "dealstage");
    return c.json({ id: deal.id, properties: deal.properties, updatedAt: new Date().toISOString() });
  });
  sim.app.get("/crm/v3/objects/deals/:id", (c) => {
    const deal = deals.get(c.req.param("id"));
    if (!deal) return c.json(notFound("deal", c.req.param("id")), 404);
    const wanted = c.req.query("properties")?.split(",");
    const properties = wanted
      ? Object.fromEntries(wanted.filter((k) => k in deal.properties).map((k) => [k, deal.properties[k]!]))
      : deal.properties;
    const associations =
      c.req.query("associations")?.split(",").includes("contacts") && deal.contactId
        ? { associations: { contacts: { results: [{ id: deal.contactId, type: "deal_to_contact" }] } } }
        : {};
    return c.json({ id: deal.id, properties: { hs_object_id: deal.id, ...properties }, ...associations });
  });
  sim.app.get("/crm/v3/objects/contacts/:id", (c) => {
    const contact = contactById(c.req.param("id"));
    if (!contact) return c.json(notFound("contact", c.req.param("id")), 404);
    const wanted = c.req.query("properties")?.split(",");
    const properties = wanted
      ? Object.fromEntries(wanted.filter((k) => k in contact.properties).map((k) => [k, contact.properties[k]!]))
      : contact.properties;
    return c.json({ id: contact.id, properties: { hs_object_id: contact.id, ...properties } });
  });
  sim.app.post("/crm/v3/objects/contacts/batch/upsert", async (c) => {
    const body = (await c.req.json().catch(() => null)) as {
      inputs?: { id?: string; idProperty?: string; properties?: Record<string, string> }[];
    } | null;
    if (!body?.inputs?.length || body.inputs.some((i) => i.idProperty !== "email" || !i.id)) {
      return c.json(
        { status: "error", category: "VALIDATION_ERROR", message: "each input needs id and idProperty email" },
        400,
      );
    }
    const results = body.inputs.map((input) => {
      const email = input.id!.toLowerCase();
      const existing = contacts.get(email);
      const contact: CrmContact = existing ?? { id: String(++next), properties: { email } };
      Object.assign(contact.properties, input.properties ?? {});
      contacts.set(email, contact);
      return { id: contact.id, properties: contact.properties, new: !existing };
    });
    return c.json({ status: "COMPLETE", results });
  });
  sim.app.post("/crm/v3/objects/notes", async (c) => {
    const body = (await c.req.json().catch(() => null)) as {
      properties?: { hs_note_body?: string };
      associations?: { to?: { id?: string } }[];
    } | null;
    const contactId = body?.associations?.[0]?.to?.id;
    if (!body?.properties?.hs_note_body || !contactId)
      return c.json(
        { status: "error", category: "VALIDATION_ERROR", message: "hs_note_body and an association are required" },
        400,
      );
    const note: CrmNote = { id: String(++next), body: body.properties.hs_note_body, contactId };
    notes.push(note);
    return c.json({ id: note.id, properties: { hs_note_body: note.body } }, 201);
  });
  return { ...sim, contacts, notes, deals };
}
