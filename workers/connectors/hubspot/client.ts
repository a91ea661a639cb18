/**
 * HubSpot CRM (https://developers.hubspot.com/docs/api/crm): contacts upserted by email and notes on them, deals
 * and their contact read back (a deal-stage webhook carries ids only), with a private-app token. The upsert is keyed by email, so repeating it is safe; a note is created once per step key
 * where HubSpot honours `Idempotency-Key` and may repeat after a crash where it does not.
 */
import { type ApiConfig, callApi, connectorSettings } from "../http.ts";

export function hubspotConfig(config: Readonly<Record<string, unknown>>): Omit<ApiConfig, "system"> {
  return connectorSettings(config, {
    key: "HUBSPOT_ACCESS_TOKEN",
    baseUrl: "HUBSPOT_API_BASE_URL",
    defaultBaseUrl: "https://api.hubapi.com",
  });
}

export interface CrmRecord {
  id: string;
  properties: Record<string, string | null>;
}

export function hubspotClient(config: Omit<ApiConfig, "system">) {
  const api = { ...config, system: "hubspot" };
  const query = (properties: readonly string[], extra: Record<string, string> = {}) =>
    new URLSearchParams({ properties: properties.join(","), ...extra }).toString();
  return {
    /**
     * A deal with the properties asked for and the id of its first associated contact (null when none).
     * @example const deal = await hubspot.getDeal("1234", ["dealname", "dealstage"]);
     */
    async getDeal(id: string, properties: readonly string[]): Promise<CrmRecord & { contactId: string | null }> {
      const res = await callApi<CrmRecord & { associations?: { contacts?: { results?: { id: string }[] } } }>(
        api,
        `/crm/v3/objects/deals/${encodeURIComponent(id)}?${query(properties, { associations: "contacts" })}`,
      );
      return {
        id: res.id,
        properties: res.properties,
        contactId: res.associations?.contacts?.results?.[0]?.id ?? null,
      };
    },
    /** @example const contact = await hubspot.getContact("5678", ["email", "firstname", "phone"]); */
    getContact(id: string, properties: readonly string[]): Promise<CrmRecord> {
      return callApi<CrmRecord>(api, `/crm/v3/objects/contacts/${encodeURIComponent(id)}?${query(properties)}`);
    },
    /** @example const contact = await hubspot.upsertContact({ email, firstname: "Ada", lifecyclestage: "customer" }, ctx); */
    async upsertContact(
      properties: { email: string } & Record<string, string>,
      ctx: { idempotencyKey: string },
    ): Promise<{ id: string }> {
      const res = await callApi<{ results: { id: string }[] }>(api, "/crm/v3/objects/contacts/batch/upsert", {
        json: { inputs: [{ id: properties.email, idProperty: "email", properties }] },
        idempotencyKey: ctx.idempotencyKey,
      });
      return { id: res.results[0]!.id };
    },
    /**
     * `at` is when it happened, from the case (not the clock), so a repeated call sends the same request.
     * @example await hubspot.addNote(contact.id, "Onboarded", activated.receivedAt, ctx);
     */
    addNote(contactId: string, body: string, at: number, ctx: { idempotencyKey: string }) {
      return callApi<{ id: string }>(api, "/crm/v3/objects/notes", {
        // 202 is HubSpot's association type id for note → contact.
        json: {
          properties: { hs_note_body: body, hs_timestamp: new Date(at).toISOString() },
          associations: [
            { to: { id: contactId }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: 202 }] },
          ],
        },
        idempotencyKey: ctx.idempotencyKey,
      });
    },
  };
}
