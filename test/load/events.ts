/**
 * The events the load sends, signed as their senders sign them. Signing is synchronous here (node:crypto), so a sender
 * signs each event just before sending it, with a fresh timestamp, however long the run; `checkSigning` proves at
 * start that these signatures equal the ones `scripts/senders.ts` (the demo's and the tests' signer) makes.
 */
import { createHmac } from "node:crypto";
import { sign, stripeInvoiceEvent } from "../../scripts/senders.ts";
import type { Shot, Source } from "./senders.ts";

export interface Secrets {
  stripe: string;
  zendesk: string;
}

const hmac = (secret: string, data: string) => createHmac("sha256", secret).update(data);

export function signStripe(
  secret: string,
  event: { id: string; type: string } & Record<string, unknown>,
  t = Math.floor(Date.now() / 1000),
) {
  const body = JSON.stringify({ object: "event", created: t, ...event });
  return {
    path: "/hooks/stripe",
    body,
    headers: {
      "content-type": "application/json",
      "stripe-signature": `t=${t},v1=${hmac(secret, `${t}.${body}`).digest("hex")}`,
    },
  };
}

export function signZendesk(secret: string, event: unknown, t = Math.floor(Date.now() / 1000)) {
  const body = JSON.stringify(event);
  const iso = new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    path: "/hooks/zendesk",
    body,
    headers: {
      "content-type": "application/json",
      "x-zendesk-webhook-signature-timestamp": iso,
      "x-zendesk-webhook-signature": hmac(secret, iso + body).digest("base64"),
    },
  };
}

/** Fails when the load's signatures differ from the shared signer's: the load must sign exactly as the senders do. */
export async function checkSigning(secrets: Secrets): Promise<void> {
  const t = 1_800_000_000;
  const event = stripeInvoiceEvent("invoice.payment_failed", "check@example.com", "in_check", "evt_check");
  const ours = signStripe(secrets.stripe, event, t);
  const shared = await sign.stripe(secrets.stripe, event, { timestamp: t });
  const ticket = refundTicket("check", 1, "ch_check");
  const zOurs = signZendesk(secrets.zendesk, ticket, t);
  const zShared = await sign.zendesk(secrets.zendesk, ticket, { timestamp: t });
  if (
    ours.body !== shared.body ||
    ours.headers["stripe-signature"] !== shared.headers["stripe-signature"] ||
    zOurs.headers["x-zendesk-webhook-signature"] !== zShared.headers["x-zendesk-webhook-signature"]
  ) {
    throw new Error("the load's signatures differ from scripts/senders.ts");
  }
}

/** The email of the `i`th new customer of run `run` (the case key is `customer:<email>`). */
export const customer = (run: string, i: number) => `load-${run}-${i}@example.com`;

/**
 * Stripe `invoice.payment_failed` for a new customer each time: every event opens a payment-recovery case. With
 * `duplicates` > 0 that share of the deliveries repeats an event already answered (a sender retrying), unchanged.
 */
export function newCases(
  secrets: Secrets,
  run: string,
  options: { duplicates?: number } = {},
): Source & { answered(shot: Shot): void; sent: () => number } {
  let i = 0;
  const earlier: Shot[] = [];
  const next = () => {
    if (options.duplicates && earlier.length > 0 && Math.random() < options.duplicates)
      return earlier[Math.floor(Math.random() * earlier.length)]!;
    const n = i++;
    const email = customer(run, n);
    const event = stripeInvoiceEvent("invoice.payment_failed", email, `in_${run}_${n}`, `evt_${run}_${n}`);
    return { ...signStripe(secrets.stripe, event), eventId: event.id, caseKey: `customer:${email}` };
  };
  return Object.assign(next, { answered: (shot: Shot) => void earlier.push(shot), sent: () => i });
}

/** A Zendesk `ticket.created` asking for a refund of a duplicate charge: the refund-dispute workflow refunds it on its own. */
export function refundTicket(run: string, n: number, charge: string) {
  const ticketId = ticketOf(run, n);
  return {
    id: `zd-evt-${run}-${n}`,
    type: "zen:event-type:ticket.created",
    time: new Date().toISOString(),
    detail: {
      id: String(ticketId),
      subject: "Refund request",
      description: `I was charged twice for the same order, charge ${charge}. Please refund the duplicate.`,
      tags: ["refund"],
      status: "new",
      requester: { email: customer(run, n) },
    },
  };
}

/** Refund tickets for customers `0 … count-1` of `run`, whose charges `ch_<run>x<n>` are seeded in the Stripe simulator. */
export function refundTickets(secrets: Secrets, run: string, count: number): Source & { sent: () => number } {
  let i = 0;
  const next = () => {
    if (i >= count) return null;
    const n = i++;
    const ticket = refundTicket(run, n, chargeId(run, n));
    return { ...signZendesk(secrets.zendesk, ticket), eventId: ticket.id, caseKey: `customer:${customer(run, n)}` };
  };
  return Object.assign(next, { sent: () => i });
}

export const chargeId = (run: string, n: number) => `ch_${run}x${n}`;
/**
 * The Zendesk ticket of customer `n` of `run`: distinct per run, since the scenarios share one simulator and a ticket
 * answered in one must not count as a second answer in the next (up to 10,000 tickets a run).
 */
export const ticketOf = (run: string, n: number) => 700_000_000 + (parseInt(run, 36) % 100_000) * 10_000 + n;
