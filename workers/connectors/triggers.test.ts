/**
 * Triggers built from a connector's events schemas: what they route at run time, and (checked by `npx tsc -p .`,
 * which compiles this file) that a case key reading a field the schema does not declare fails to compile.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineWorkflow, routeEvent } from "../engine/index.ts";
import { stripeWebhooks } from "./stripe/events.ts";
import { webhookEvents } from "./triggers.ts";
import { zendeskWebhooks } from "./zendesk/events.ts";

const email = (value: unknown) =>
  typeof value === "string" && value.includes("@") ? `customer:${value.toLowerCase()}` : null;
const body = async () => ({ outcome: "x" });
const workflow = (id: string, triggers: Parameters<typeof defineWorkflow>[0]["triggers"]) =>
  defineWorkflow({ id, version: 1, minutesPerCase: 1, triggers }, body);
const invoice = {
  id: "evt_1",
  object: "event",
  type: "invoice.payment_failed",
  created: 1,
  data: {
    object: {
      id: "in_1",
      object: "invoice",
      customer: "cus_1",
      customer_email: "Ana@Example.com",
      amount_due: 100,
      currency: "eur",
    },
  },
};

describe("webhookEvents", () => {
  it("builds a trigger on the connector's source for one event type or several", () => {
    const one = stripeWebhooks.on("invoice.payment_failed", { caseKey: (e) => email(e.data.object.customer_email) });
    const several = zendeskWebhooks.on(["ticket.created", "ticket.comment_added"], {
      caseKey: (e) => email(e.detail.requester?.email),
      opens: false,
    });
    expect([one.source, one.events]).toEqual(["stripe", ["invoice.payment_failed"]]);
    expect([several.source, several.events, several.opens]).toEqual([
      "zendesk",
      ["ticket.created", "ticket.comment_added"],
      false,
    ]);
    expect(stripeWebhooks.events["invoice.payment_failed"].safeParse(invoice).success).toBe(true);
  });

  it("routes by the spec's case key, predicate and alias", () => {
    const recovery = workflow("recovery", [
      stripeWebhooks.on("invoice.payment_failed", {
        when: (e) => e.data.object.amount_due > 0,
        caseKey: (e) => email(e.data.object.customer_email),
        alias: { kind: "stripe-customer", value: (e) => e.data.object.customer },
      }),
    ]);
    const route = (payload: unknown) => routeEvent([recovery], "stripe", "invoice.payment_failed", payload)[0];
    expect(route(invoice)?.caseKey).toBe("customer:ana@example.com");
    const noEmail = { ...invoice, data: { object: { ...invoice.data.object, customer_email: null } } };
    expect(route(noEmail)?.alias).toEqual({ kind: "stripe-customer", value: "cus_1" });
    expect(route({ ...invoice, data: { object: { ...invoice.data.object, amount_due: 0 } } })).toBeUndefined();
    expect(routeEvent([recovery], "stripe", "invoice.paid", invoice)).toEqual([]);
  });

  it("reads the sender's payload as it came: a shape the schema does not describe is simply not a match", () => {
    const recovery = workflow("recovery", [
      stripeWebhooks.on("invoice.payment_failed", { caseKey: (e) => email(e.data.object.customer_email) }),
    ]);
    expect(routeEvent([recovery], "stripe", "invoice.payment_failed", { data: null })).toEqual([]);
    // Only what the case key reads matters: routing does not hold the rest of the payload to the schema.
    expect(
      routeEvent([recovery], "stripe", "invoice.payment_failed", {
        data: { object: { customer_email: "ana@example.com" } },
      })[0]?.caseKey,
    ).toBe("customer:ana@example.com");
  });

  it("refuses at compile time a case key that reads a field its schema does not declare", () => {
    const events = webhookEvents("form", {
      submitted: z.object({ applicant: z.object({ email: z.string() }).passthrough() }).passthrough(),
    });
    // @ts-expect-error `emial` is misspelt: a loose schema accepts any key at run time, but declares only `email`.
    const misspelt = events.on("submitted", { caseKey: (e) => email(e.applicant.emial) });
    const stripeMisspelt = stripeWebhooks.on("invoice.payment_failed", {
      // @ts-expect-error `customer_emal` is not a field of Stripe's invoice: the event would be dead-lettered at run time.
      caseKey: (e) => email(e.data.object.customer_emal),
    });
    // @ts-expect-error an event type the connector does not declare.
    stripeWebhooks.on("invoice.payment_faild", { caseKey: () => null });
    // What the compiler now catches: at run time the misspelt extractor finds no key, and the event no case.
    expect(
      routeEvent([workflow("form-intake", [misspelt])], "form", "submitted", {
        applicant: { email: "ana@example.com" },
      }),
    ).toEqual([]);
    expect(
      routeEvent([workflow("stripe-intake", [stripeMisspelt])], "stripe", "invoice.payment_failed", invoice),
    ).toEqual([]);
  });
});
