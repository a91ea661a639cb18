/**
 * A local Zendesk Support API: `POST /api/v2/tickets.json` opens a ticket (a customer writing to support) and, as a
 * Zendesk event webhook configured for Crossflow does, reports it to the worker as `zen:event-type:ticket.created`
 * with the requester's email, signed with `X-Zendesk-Webhook-Signature` (where to and the secret are set at
 * `POST /_sim/webhooks`); `POST /_sim/redeliver` sends a ticket's event again, as a sender retrying would.
 * Tickets take comments and status changes the way `PUT /api/v2/tickets/{id}.json` does (comments are kept per ticket
 * for inspection); those are Crossflow's own replies, so they are not reported back. Like Zendesk, it honours
 * `Idempotency-Key` only where the kit does (POST), so a repeated ticket update is applied again: the connector says so.
 */
import { post, sign } from "../scripts/senders.ts";
import { createSimulator, type Simulator } from "./kit.ts";

export interface TicketComment {
  body: string;
  public: boolean;
  created_at: string;
}

export interface SimTicket {
  id: number;
  status: string;
  comments: TicketComment[];
  /** The ticket.created event it was reported with (tickets opened through the API). */
  event?: TicketCreatedEvent;
}

interface TicketCreatedEvent {
  id: string;
  type: "zen:event-type:ticket.created";
  time: string;
  detail: { id: string; subject: string; description: string; tags: string[]; status: string; requester: { email: string; name?: string } };
}

export function zendeskSimulator(apiKey = "zd_crossflow_local"): Simulator & { tickets: Map<number, SimTicket> } {
  const sim = createSimulator({ apiKey });
  const tickets = new Map<number, SimTicket>();
  const ticketId = (file: string) => (/^\d+\.json$/.test(file) ? Number(file.slice(0, -5)) : null);
  const webhook = { url: null as string | null, secret: null as string | null };
  // Ids start from the clock, so a restarted simulator never reuses a ticket id (or event id) a kept case already saw.
  let next = Date.now() % 1e9;

  /** The ticket's event, signed, to the worker (after the answer, as Zendesk does). */
  const report = (event: TicketCreatedEvent) => {
    const { url, secret } = webhook;
    if (!url || !secret) return;
    setTimeout(() => {
      void sign
        .zendesk(secret, event)
        .then((request) => post(url, request))
        .then(async (res) => {
          if (!res.ok) console.error(`zendesk simulator: webhook for ticket ${event.detail.id} answered ${res.status} ${await res.text()}`);
        })
        .catch((error: Error) => console.error(`zendesk simulator: webhook for ticket ${event.detail.id} failed: ${error.message}`));
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
    const body = (await c.req.json().catch(() => null)) as { ticket?: { subject?: string; comment?: { body?: string }; requester?: { email?: string; name?: string }; tags?: string[] } } | null;
    const t = body?.ticket;
    const invalid = (field: string) => c.json({ error: "RecordInvalid", description: "Record validation errors", details: { [field]: [{ description: `${field} is required` }] } }, 422);
    if (!t) return invalid("ticket");
    if (!t.comment?.body) return invalid("comment");
    if (!t.requester?.email) return invalid("requester");
    const id = ++next;
    const created = new Date().toISOString();
    const detail = { id: String(id), subject: t.subject ?? t.comment.body.slice(0, 60), description: t.comment.body, tags: t.tags ?? [], status: "new", requester: { email: t.requester.email, ...(t.requester.name ? { name: t.requester.name } : {}) } };
    const event: TicketCreatedEvent = { id: `zd-evt-${id}`, type: "zen:event-type:ticket.created", time: created, detail };
    tickets.set(id, { id, status: "new", comments: [{ body: t.comment.body, public: true, created_at: created }], event });
    report(event);
    return c.json({ ticket: { id, subject: detail.subject, description: detail.description, status: "new", tags: detail.tags, created_at: created } }, 201);
  });
  sim.app.put("/api/v2/tickets/:file", async (c) => {
    const id = ticketId(c.req.param("file"));
    if (id === null) return c.json({ error: "InvalidEndpoint", description: "Not found" }, 404);
    const body = (await c.req.json().catch(() => null)) as { ticket?: { comment?: { body?: string; public?: boolean }; status?: string } } | null;
    if (!body?.ticket) return c.json({ error: "RecordInvalid", description: "Record validation errors", details: { ticket: [{ description: "ticket is required" }] } }, 422);
    const ticket = tickets.get(id) ?? { id, status: "open", comments: [] };
    if (body.ticket.comment?.body) ticket.comments.push({ body: body.ticket.comment.body, public: body.ticket.comment.public !== false, created_at: new Date().toISOString() });
    if (body.ticket.status) ticket.status = body.ticket.status;
    tickets.set(id, ticket);
    return c.json({ ticket: { id, status: ticket.status }, audit: { id: ticket.comments.length } });
  });
  sim.app.get("/api/v2/tickets/:id/comments.json", (c) => {
    const ticket = tickets.get(Number(c.req.param("id")));
    return c.json({ comments: ticket?.comments ?? [], count: ticket?.comments.length ?? 0 });
  });
  return { ...sim, tickets };
}
