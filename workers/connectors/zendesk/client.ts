/**
 * Zendesk Support's REST API (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/): replying on
 * a ticket. Zendesk honours `Idempotency-Key` only when creating tickets, so an update that is retried after a
 * crash may post its comment twice; the step's key is still sent for where it is honoured.
 */
import { callApi, connectorSettings, type ApiConfig } from "../http.ts";

/** Settings from configuration: `ZENDESK_API_TOKEN` (an OAuth token) and `ZENDESK_API_BASE_URL` (`https://<subdomain>.zendesk.com`). */
export function zendeskConfig(config: Readonly<Record<string, unknown>>): Omit<ApiConfig, "system"> {
  return connectorSettings(config, { key: "ZENDESK_API_TOKEN", baseUrl: "ZENDESK_API_BASE_URL", hint: "https://<subdomain>.zendesk.com" });
}

export function zendeskClient(config: Omit<ApiConfig, "system">) {
  const api = { ...config, system: "zendesk" };
  return {
    /**
     * A public reply on the ticket, optionally setting its status.
     * @example await zendesk.reply("4711", "We refunded the duplicate charge.", { status: "solved" }, ctx);
     */
    reply(ticketId: string, body: string, options: { status?: "open" | "pending" | "solved" }, ctx: { idempotencyKey: string }) {
      return callApi<{ ticket: { id: number; status: string } }>(api, `/api/v2/tickets/${encodeURIComponent(ticketId)}.json`, {
        method: "PUT",
        json: { ticket: { comment: { body, public: true }, ...(options.status ? { status: options.status } : {}) } },
        idempotencyKey: ctx.idempotencyKey,
      });
    },
  };
}
