/**
 * The Zendesk simulator's tickets: each with its comments, its audits (one per update that changed something, as
 * Zendesk's Ticket Audits API lists them) and the ticket.created event it was reported with.
 */
import type { z } from "zod";
import type { ZendeskTicketCreated } from "../workers/connectors/zendesk/events.ts";

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
export interface TicketCreatedEvent extends z.infer<typeof ZendeskTicketCreated> {
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

/** One simulator's tickets, their ids, and the updates that move them. */
export function ticketBook() {
  const tickets = new Map<number, SimTicket>();
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

  return { tickets, nextId: () => ++next, touch, laterThan, audit };
}
