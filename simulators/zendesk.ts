/**
 * A local Zendesk Support API: tickets take comments and status changes the way `PUT /api/v2/tickets/{id}.json`
 * does (comments are kept per ticket for inspection). Like Zendesk, it honours `Idempotency-Key` only where the kit
 * does (POST), so a repeated ticket update is applied again: the connector says so.
 */
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
}

export function zendeskSimulator(apiKey = "zd_crossflow_local"): Simulator & { tickets: Map<number, SimTicket> } {
  const sim = createSimulator({ apiKey });
  const tickets = new Map<number, SimTicket>();
  const ticketId = (file: string) => (/^\d+\.json$/.test(file) ? Number(file.slice(0, -5)) : null);
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
