/**
 * A failed invoice opens a case per customer (by email). Whatever the customer says through support or email
 * joins the same case, and the case ends when Stripe reports the invoice paid, or after a week without it.
 * Three systems, one case: the correlation is declared in the triggers, not coded in the body.
 */

import { emailReplies } from "../connectors/email/client.ts";
import { emailWebhooks } from "../connectors/email/events.ts";
import { type stripeEvents, stripeWebhooks } from "../connectors/stripe/events.ts";
import type { PayloadOf } from "../connectors/triggers.ts";
import { type zendeskEvents, zendeskWebhooks } from "../connectors/zendesk/events.ts";
import { defineWorkflow } from "../engine/index.ts";
import { catalogued } from "./catalogue.ts";

type InvoiceEvent = PayloadOf<typeof stripeEvents, "invoice.payment_failed">;

type TicketActivity = PayloadOf<typeof zendeskEvents, "ticket.created" | "ticket.comment_added">;

/** Zendesk's comment_added carries the comment and its author in `event.comment` (ticket.created has no comment). */
export const fromCustomer = (e: TicketActivity) => {
  const comment = "event" in e ? e.event?.comment : undefined;
  return !comment || (comment.is_public !== false && comment.author?.is_staff !== true);
};

/** The Stripe customer, as `step.alias("stripe-customer", …)` recorded it (customer-onboarding v3). */
const STRIPE_CUSTOMER = { kind: "stripe-customer", value: (e: InvoiceEvent) => e.data.object.customer } as const;

const email = (value: unknown) =>
  typeof value === "string" && value.includes("@") ? `customer:${value.trim().toLowerCase()}` : null;

export default defineWorkflow<InvoiceEvent>(
  {
    ...catalogued("payment-recovery", 1),
    triggers: [
      // Stripe often sends no email with an invoice: then the Stripe customer id finds the key onboarding recorded for it.
      stripeWebhooks.on("invoice.payment_failed", {
        caseKey: (e) => email(e.data.object.customer_email),
        alias: STRIPE_CUSTOMER,
      }),
      stripeWebhooks.on("invoice.paid", {
        caseKey: (e) => email(e.data.object.customer_email),
        alias: STRIPE_CUSTOMER,
        opens: false,
      }),
      // Zendesk event webhooks: the ticket's requester is the customer. A comment counts only when it is the customer's
      // (public, not by staff): support's own replies and internal notes on the ticket are not the customer reaching out.
      zendeskWebhooks.on(["ticket.created", "ticket.comment_added"], {
        when: fromCustomer,
        caseKey: (e) => email(e.detail?.requester?.email ?? ("event" in e ? e.event?.requester?.email : undefined)),
        opens: false,
      }),
      // Inbound email through a Standard Webhooks sender (Resend-style `email.received`).
      // A customer's email: it names no conversation of this workflow (it sends none), so it reaches this case when
      // it is the customer's one open case, and a person when they have others open (never all of them).
      emailWebhooks.on("email.received", { caseKey: (e) => email(e.data?.from), opens: false, reply: emailReplies }),
    ],
  },
  async ({ input, step }) => {
    const invoice = input.data.object;
    const failure = await step.run("record-failure", () => ({
      invoice: invoice.id,
      amountDue: invoice.amount_due ?? null,
      currency: invoice.currency ?? null,
      attempt: invoice.attempt_count ?? 1,
    }));
    const contact = await step.waitFor("customer-contact", { source: ["zendesk", "resend"] }, { timeout: "3d" });
    const paid = await step.waitFor(
      "invoice-paid",
      {
        source: "stripe",
        type: "invoice.paid",
        where: (p: PayloadOf<typeof stripeEvents, "invoice.paid">) => p.data.object.id === invoice.id,
      },
      { timeout: "7d" },
    );
    return step.resolve(paid ? "recovered" : "unrecovered", {
      ...failure,
      customerContacted: contact !== null,
      contactChannel: contact?.source ?? null,
    });
  },
);
