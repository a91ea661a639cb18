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

import { deliver, sign } from "../scripts/senders.ts";
import { createSimulator, type Simulator } from "./kit.ts";
import { type AuditEvent, type SimTicket, type TicketCreatedEvent, ticketBook } from "./zendesk-tickets.ts";

export type { AuditEvent, SimTicket, TicketAudit, TicketComment } from "./zendesk-tickets.ts";

export function zendeskSimulator(apiKey = "zd_crossflow_local"): Simulator & { tickets: Map<number, SimTicket> } {
  const sim = createSimulator({ apiKey });
  const { tickets, nextId, touch, laterThan, audit } = ticketBook();
  const ticketId = (file: string) => (/^\d+\.json$/.test(file) ? Number(file.slice(0, -5)) : null);
  const webhook = { url: null as string | null, secret: null as string | null };

  /** The ticket's event, signed, to the worker (after the answer, as Zendesk does). */
  const report = (event: TicketCreatedEvent) => {
    const { url, secret } = webhook;
    if (!url || !secret) return;
    setTimeout(() => {
      void sign
        .zendesk(secret, event)
        .then((request) => deliver(url, request))
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
    const id = nextId();
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
