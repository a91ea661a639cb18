/**
 * Zendesk Support's REST API (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/): replying on
 * a ticket. Zendesk honours `Idempotency-Key` only when creating tickets (the step's key is still sent), so every
 * update carries the step's key as the audit's custom metadata (`ticket.metadata`, kept on the update's audit as
 * `metadata.custom`). When an earlier call of the step may have updated the ticket (the attempt resumes after a
 * crash, or an earlier attempt timed out), the client first reads the ticket's audits
 * (`GET /api/v2/tickets/{id}/audits.json`, https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_audits/)
 * and answers from the one carrying that key instead of posting the comment again. A call still in flight when the
 * lookup runs is covered by Zendesk's safe updates (`safe_update` with the `updated_stamp` just read): of two calls of
 * the step, the one that lands second is refused with 409 instead of adding a second reply.
 */
import { FatalError } from "../../engine/index.ts";
import {
  type ApiConfig,
  ConnectorError,
  callApi,
  connectorSettings,
  type EffectContext,
  earlierCallSince,
  KEYED_LOOKUP_MARGIN_MS,
} from "../http.ts";

/** Settings from configuration: `ZENDESK_API_TOKEN` (an OAuth token) and `ZENDESK_API_BASE_URL` (`https://<subdomain>.zendesk.com`). */
export function zendeskConfig(config: Readonly<Record<string, unknown>>): Omit<ApiConfig, "system"> {
  return connectorSettings(config, {
    key: "ZENDESK_API_TOKEN",
    baseUrl: "ZENDESK_API_BASE_URL",
    hint: "https://<subdomain>.zendesk.com",
  });
}

/** The custom audit metadata field that carries the step's idempotency key. */
export const STEP_KEY_FIELD = "crossflow_idempotency_key";

/** Safe updates refused because the ticket changed meanwhile, retried at once before the step's backoff. */
const SAFE_UPDATE_ROUNDS = 3;

/** Pages of audits (100 each) read when looking for an earlier update. */
const LOOKUP_PAGES = 10;

/** What a reply answers (and what a found earlier reply is answered with). */
export interface TicketUpdate {
  ticket: { id: number; status: string };
  audit?: { id: number };
}

/** A ticket audit as Zendesk lists it (the fields Crossflow reads). */
interface TicketAudit {
  id: number;
  ticket_id: number;
  created_at: string;
  metadata?: { custom?: Record<string, unknown> };
  events?: { type: string; field_name?: string; value?: unknown }[];
}

export function zendeskClient(config: Omit<ApiConfig, "system">) {
  const api = { ...config, system: "zendesk" };
  const base = config.baseUrl.replace(/\/$/, "");
  const ticketPath = (ticketId: string) => `/api/v2/tickets/${encodeURIComponent(ticketId)}`;
  /** Zendesk's `next_page` is an absolute URL; the calls take a path below the configured base. */
  const nextPath = (next: string | null): string | null => {
    if (!next) return null;
    if (next.startsWith(base)) return next.slice(base.length);
    const url = new URL(next);
    return `${url.pathname}${url.search}`;
  };
  return {
    /**
     * A public reply on the ticket, optionally setting its status; once per step (a resumed or repeated attempt
     * answers from the update the earlier call made).
     * @example await zendesk.reply("4711", "We refunded the duplicate charge.", { status: "solved" }, ctx);
     */
    async reply(
      ticketId: string,
      body: string,
      options: { status?: "open" | "pending" | "solved" },
      ctx: EffectContext,
    ): Promise<TicketUpdate> {
      const since = earlierCallSince(ctx, KEYED_LOOKUP_MARGIN_MS);
      const earlier = since === null ? null : await this.findUpdate(ticketId, ctx.idempotencyKey, since);
      if (earlier) return earlier;
      // A lookup cannot see a call still on its way (an earlier attempt that timed out may land after it). So every
      // update is a safe update against the ticket as just read: whichever of two calls lands second is refused (409)
      // rather than posted twice, and the refused one finds the other's update by its key.
      for (let round = 1; ; round++) {
        const { ticket } = await callApi<{ ticket: { updated_at?: string } }>(api, `${ticketPath(ticketId)}.json`);
        try {
          return await callApi<TicketUpdate>(api, `${ticketPath(ticketId)}.json`, {
            method: "PUT",
            json: {
              ticket: {
                comment: { body, public: true },
                ...(options.status ? { status: options.status } : {}),
                metadata: { [STEP_KEY_FIELD]: ctx.idempotencyKey },
                ...(ticket.updated_at ? { safe_update: true, updated_stamp: ticket.updated_at } : {}),
              },
            },
            idempotencyKey: ctx.idempotencyKey,
          });
        } catch (error) {
          // The HTTP helper answers a 409 as a retryable ConnectorError (a conflict may clear).
          if (!(error instanceof ConnectorError && error.status === 409)) throw error;
          const landed = await this.findUpdate(
            ticketId,
            ctx.idempotencyKey,
            earlierCallSince({ ...ctx, resumed: true }, KEYED_LOOKUP_MARGIN_MS) ?? 0,
          );
          if (landed) return landed;
          // Someone else changed the ticket meanwhile: read it again; past a few rounds, the step's backoff takes over.
          if (round >= SAFE_UPDATE_ROUNDS)
            throw new ConnectorError(
              "zendesk",
              409,
              true,
              `zendesk: ticket ${ticketId} kept changing under ${SAFE_UPDATE_ROUNDS} safe updates`,
              { cause: error },
            );
        }
      }
    },
    /**
     * The update of `ticketId` made since `since` (epoch ms) under `idempotencyKey`, as `reply` answers it, or null.
     * @example const earlier = await zendesk.findUpdate("4711", ctx.idempotencyKey, attemptStartedAt);
     */
    async findUpdate(ticketId: string, idempotencyKey: string, since: number): Promise<TicketUpdate | null> {
      let path: string | null = `${ticketPath(ticketId)}/audits.json?sort_order=desc`;
      for (let page = 0; path && page < LOOKUP_PAGES; page++) {
        const list = await callApi<{ audits: TicketAudit[]; next_page: string | null }>(api, path).catch(
          (error: unknown) => {
            // No such ticket: it has no update of ours either, and the update itself will say what is wrong.
            if (error instanceof FatalError && error.cause instanceof ConnectorError && error.cause.status === 404)
              return null;
            throw error;
          },
        );
        if (!list) return null;
        const audit = list.audits.find((a) => a.metadata?.custom?.[STEP_KEY_FIELD] === idempotencyKey);
        if (audit) {
          const status = audit.events?.find((e) => e.type === "Change" && e.field_name === "status")?.value;
          const ticket =
            typeof status === "string"
              ? { id: audit.ticket_id, status }
              : (await callApi<TicketUpdate>(api, `${ticketPath(ticketId)}.json`)).ticket;
          return { ticket: { id: ticket.id, status: ticket.status }, audit: { id: audit.id } };
        }
        // Newest first: once a whole page is older than the step, no later page can hold its update.
        if (list.audits.every((a) => Date.parse(a.created_at) < since)) return null;
        path = nextPath(list.next_page);
      }
      return null;
    },
  };
}
