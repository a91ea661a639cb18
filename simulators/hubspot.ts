/**
 * A local HubSpot CRM: contacts upserted by email (`POST /crm/v3/objects/contacts/batch/upsert` with
 * `idProperty: "email"`, as HubSpot's API does) and notes associated with a contact (`POST /crm/v3/objects/notes`).
 * Upserting the same email twice keeps one contact, so a repeated step cannot duplicate it.
 */
import { createSimulator, type Simulator } from "./kit.ts";

export interface CrmContact {
  id: string;
  properties: Record<string, string>;
}

export interface CrmNote {
  id: string;
  body: string;
  contactId: string;
}

export function hubspotSimulator(apiKey = "pat_crossflow_local"): Simulator & { contacts: Map<string, CrmContact>; notes: CrmNote[] } {
  const sim = createSimulator({ apiKey });
  const contacts = new Map<string, CrmContact>(); // by email
  const notes: CrmNote[] = [];
  let next = 1000;
  sim.app.post("/crm/v3/objects/contacts/batch/upsert", async (c) => {
    const body = (await c.req.json().catch(() => null)) as { inputs?: { id?: string; idProperty?: string; properties?: Record<string, string> }[] } | null;
    if (!body?.inputs?.length || body.inputs.some((i) => i.idProperty !== "email" || !i.id)) {
      return c.json({ status: "error", category: "VALIDATION_ERROR", message: "each input needs id and idProperty email" }, 400);
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
    const body = (await c.req.json().catch(() => null)) as { properties?: { hs_note_body?: string }; associations?: { to?: { id?: string } }[] } | null;
    const contactId = body?.associations?.[0]?.to?.id;
    if (!body?.properties?.hs_note_body || !contactId) return c.json({ status: "error", category: "VALIDATION_ERROR", message: "hs_note_body and an association are required" }, 400);
    const note: CrmNote = { id: String(++next), body: body.properties.hs_note_body, contactId };
    notes.push(note);
    return c.json({ id: note.id, properties: { hs_note_body: note.body } }, 201);
  });
  return { ...sim, contacts, notes };
}
