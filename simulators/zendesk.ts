/**
 * A local Zendesk Support API: `POST /api/v2/tickets.json` opens a ticket (a customer writing to support) and, as a
 * Zendesk event webhook configured for Crossflow does, reports it to the worker as `zen:event-type:ticket.created`
 * with the requester's email, signed with `X-Zendesk-Webhook-Signature` (where to and the secret are set at
 * `POST /_sim/webhooks`); `POST /_sim/redeliver` sends a ticket's event again, as a sender retrying would.
 * Tickets take comments and status changes the way `PUT /api/v2/tickets/{id}.json` does (comments are kept per ticket
 * for inspection); those are Crossflow's own replies, so they are not reported back. Like Zendesk, it honours
 * `Idempotency-Key` only where the kit does (POST), so a repeated ticket update is applied again. Every change is an
 * audit, as in Zendesk: `GET /api/v2/tickets/{id}/audits.json` (`sort_order`, `page`, `per_page`, `next_page`) lists
 * them with their events and `metadata.custom` (what the update sent as `ticket.metadata`), which is where the
 * connector finds an earlier update of a step; `GET /api/v2/tickets/{id}.json` shows the ticket.
 */

import type { z } from "zod";
import { post, sign } from "../scripts/senders.ts";
import type { ZendeskTicketCreated } from "../workers/connectors/zendesk/events.ts";
import { createSimulator, type Simulator } from "./kit.ts";

export interface TicketComment {
  body: string;
  public: boolean;
  created_at: string;
}

/** What one update did (Zendesk's audit events, the kinds this simulator makes). */
export type AuditEvent =
  | { type: "Comment"; body: string; public: boolean }
  | { type: "Change" | "Create"; field_name: string; value: unknown; previous_value?: unknown };

/** One update of a ticket, as Zendesk's Ticket Audits API shows it. */
export interface TicketAudit {
  id: number;
  ticket_id: number;
  created_at: string;
  author_id: number;
  via: { channel: "api" };
  metadata: { system: Record<string, string>; custom: Record<string, unknown> };
  events: (AuditEvent & { id: number })[];
}

export interface SimTicket {
  id: number;
  status: string;
  /** Changes with every update; what a safe update's `updated_stamp` must match. */
  updated_at: string;
  comments: TicketComment[];
  audits: TicketAudit[];
  /** The ticket.created event it was reported with (tickets opened through the API). */
  event?: TicketCreatedEvent;
}

/** The `ticket.created` event as the connector's schema reads it, with every field the simulator always fills. */
interface TicketCreatedEvent extends z.infer<typeof ZendeskTicketCreated> {
  time: string;
  detail: {
    id: string;
    subject: string;
    description: string;
    tags: string[];
    status: string;
    requester: { email: string; name?: string };
  };
}

export function zendeskSimulator(apiKey = "zd_crossflow_local"): Simulator & { tickets: Map<number, SimTicket> } {
  const sim = createSimulator({ apiKey });
  const tickets = new Map<number, SimTicket>();
  const ticketId = (file: string) => (/^\d+\.json$/.test(file) ? Number(file.slice(0, -5)) : null);
  const webhook = { url: null as string | null, secret: null as string | null };
  // Ids start from the clock, so a restarted simulator never reuses a ticket id (or event id) a kept case already saw.
  let next = Date.now() % 1e9;
  let nextAuditId = 1;
  /**
   * The ticket with `id`. Tests and the demo sign ticket.created webhooks of their own, whose tickets this simulator
   * never opened: such a ticket exists, open, from its first read or update (as it would in the real Zendesk).
   */
  const touch = (id: number): SimTicket => {
    const known = tickets.get(id);
    if (known) return known;
    const ticket: SimTicket = { id, status: "open", updated_at: new Date().toISOString(), comments: [], audits: [] };
    tickets.set(id, ticket);
    return ticket;
  };
  /** A timestamp after `previous`, even within the same millisecond: every update moves `updated_at`. */
  const laterThan = (previous: string): string => {
    const now = Date.now();
    return new Date(Math.max(now, Date.parse(previous) + 1)).toISOString();
  };
  /** Records one update as its audit; Zendesk keeps custom metadata (up to 1 KB) on the audit of the update that sent it. */
  const audit = (
    ticket: SimTicket,
    events: AuditEvent[],
    custom: unknown,
    userAgent: string | undefined,
  ): TicketAudit => {
    const id = nextAuditId++;
    const entry: TicketAudit = {
      id,
      ticket_id: ticket.id,
      created_at: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
      author_id: 1,
      via: { channel: "api" },
      metadata: {
        system: { client: userAgent ?? "" },
        custom: typeof custom === "object" && custom !== null ? (custom as Record<string, unknown>) : {},
      },
      events: events.map((e, i) => ({ ...e, id: id * 100 + i })),
    };
    ticket.audits.push(entry);
    return entry;
  };

  /** The ticket's event, signed, to the worker (after the answer, as Zendesk does). */
  const report = (event: TicketCreatedEvent) => {
    const { url, secret } = webhook;
    if (!url || !secret) return;
    setTimeout(() => {
      void sign
        .zendesk(secret, event)
        .then((request) => post(url, request))
        .then(async (res) => {
          if (!res.ok)
            console.error(
              `zendesk simulator: webhook for ticket ${event.detail.id} answered ${res.status} ${await res.text()}`,
            );
        })
        .catch((error: Error) =>
          console.error(`zendesk simulator: webhook for ticket ${event.detail.id} failed: ${error.message}`),
        );
    }, 20);
  };

  sim.app.post("/_sim/webhooks", async (c) => {
    Object.assign(webhook, await c.req.json());
    return c.json({ ok: true });
  });
  sim.app.post("/_sim/redeliver", async (c) => {
    const body = (await c.req.json().catch(() => null)) as { ticketId?: number } | null;
    const event = body?.ticketId !== undefined ? tickets.get(body.ticketId)?.event : undefined;
    if (!event) return c.json({ error: "no ticket opened through the API with that ticketId" }, 404);
    report(event);
    return c.json({ ok: true, event: event.id });
  });
  sim.app.post("/api/v2/tickets.json", async (c) => {
    const body = (await c.req.json().catch(() => null)) as {
      ticket?: {
        subject?: string;
        comment?: { body?: string };
        requester?: { email?: string; name?: string };
        tags?: string[];
        metadata?: unknown;
      };
    } | null;
    const t = body?.ticket;
    const invalid = (field: string) =>
      c.json(
        {
          error: "RecordInvalid",
          description: "Record validation errors",
          details: { [field]: [{ description: `${field} is required` }] },
        },
        422,
      );
    if (!t) return invalid("ticket");
    if (!t.comment?.body) return invalid("comment");
    if (!t.requester?.email) return invalid("requester");
    const id = ++next;
    const created = new Date().toISOString();
    const detail = {
      id: String(id),
      subject: t.subject ?? t.comment.body.slice(0, 60),
      description: t.comment.body,
      tags: t.tags ?? [],
      status: "new",
      requester: { email: t.requester.email, ...(t.requester.name ? { name: t.requester.name } : {}) },
    };
    const event: TicketCreatedEvent = {
      id: `zd-evt-${id}`,
      type: "zen:event-type:ticket.created",
      time: created,
      detail,
    };
    const ticket: SimTicket = {
      id,
      status: "new",
      updated_at: created,
      comments: [{ body: t.comment.body, public: true, created_at: created }],
      audits: [],
      event,
    };
    audit(
      ticket,
      [
        { type: "Comment", body: t.comment.body, public: true },
        { type: "Create", field_name: "status", value: "new" },
      ],
      t.metadata,
      c.req.header("user-agent"),
    );
    tickets.set(id, ticket);
    report(event);
    return c.json(
      {
        ticket: {
          id,
          subject: detail.subject,
          description: detail.description,
          status: "new",
          tags: detail.tags,
          created_at: created,
        },
      },
      201,
    );
  });
  sim.app.put("/api/v2/tickets/:file", async (c) => {
    const id = ticketId(c.req.param("file"));
    if (id === null) return c.json({ error: "InvalidEndpoint", description: "Not found" }, 404);
    const body = (await c.req.json().catch(() => null)) as {
      ticket?: {
        comment?: { body?: string; public?: boolean };
        status?: string;
        metadata?: unknown;
        safe_update?: boolean;
        updated_stamp?: string;
      };
    } | null;
    if (!body?.ticket)
      return c.json(
        {
          error: "RecordInvalid",
          description: "Record validation errors",
          details: { ticket: [{ description: "ticket is required" }] },
        },
        422,
      );
    if (body.ticket.metadata !== undefined && JSON.stringify(body.ticket.metadata).length > 1024)
      return c.json(
        {
          error: "RecordInvalid",
          description: "Record validation errors",
          details: { metadata: [{ description: "metadata is larger than 1 KB" }] },
        },
        422,
      );
    const ticket = touch(id);
    // Zendesk's collision protection: a safe update names the ticket's updated_at it was based on.
    if (
      body.ticket.safe_update === true &&
      body.ticket.updated_stamp !== undefined &&
      body.ticket.updated_stamp !== ticket.updated_at
    ) {
      return c.json(
        {
          error: "UpdateConflict",
          description:
            "Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.",
        },
        409,
      );
    }
    const events: AuditEvent[] = [];
    const comment = body.ticket.comment;
    if (comment?.body) {
      ticket.comments.push({
        body: comment.body,
        public: comment.public !== false,
        created_at: new Date().toISOString(),
      });
      events.push({ type: "Comment", body: comment.body, public: comment.public !== false });
    }
    if (body.ticket.status && body.ticket.status !== ticket.status) {
      events.push({ type: "Change", field_name: "status", value: body.ticket.status, previous_value: ticket.status });
      ticket.status = body.ticket.status;
    }
    if (events.length > 0) ticket.updated_at = laterThan(ticket.updated_at);
    // As in Zendesk, an update that changes nothing makes no audit (and keeps no metadata).
    const made = events.length > 0 ? audit(ticket, events, body.ticket.metadata, c.req.header("user-agent")) : null;
    return c.json({ ticket: { id, status: ticket.status }, ...(made ? { audit: { id: made.id } } : {}) });
  });
  sim.app.get("/api/v2/tickets/:file", (c) => {
    const id = ticketId(c.req.param("file"));
    if (id === null) return c.json({ error: "RecordNotFound", description: "Not found" }, 404);
    const ticket = touch(id);
    return c.json({
      ticket: {
        id: ticket.id,
        status: ticket.status,
        updated_at: ticket.updated_at,
        subject: ticket.event?.detail.subject ?? null,
      },
    });
  });
  sim.app.get("/api/v2/tickets/:id/audits.json", (c) => {
    const id = Number(c.req.param("id"));
    const ticket = tickets.get(id);
    if (!ticket) return c.json({ error: "RecordNotFound", description: "Not found" }, 404);
    const perPage = Math.min(100, Math.max(1, Number(c.req.query("per_page") ?? 100) || 100));
    const page = Math.max(1, Number(c.req.query("page") ?? 1) || 1);
    const order = c.req.query("sort_order") === "desc" ? "desc" : "asc";
    const list = order === "desc" ? [...ticket.audits].reverse() : ticket.audits;
    const url = (p: number) =>
      `${new URL(c.req.url).origin}${c.req.path}?${new URLSearchParams({ sort_order: order, per_page: String(perPage), page: String(p) })}`;
    const more = page * perPage < list.length;
    return c.json({
      audits: list.slice((page - 1) * perPage, page * perPage),
      next_page: more ? url(page + 1) : null,
      previous_page: page > 1 ? url(page - 1) : null,
      count: list.length,
    });
  });
  sim.app.get("/api/v2/tickets/:id/comments.json", (c) => {
    const ticket = tickets.get(Number(c.req.param("id")));
    return c.json({ comments: ticket?.comments ?? [], count: ticket?.comments.length ?? 0 });
  });
  return { ...sim, tickets };
}
