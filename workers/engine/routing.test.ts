import { describe, expect, it } from "vitest";
import { WORKFLOWS } from "../workflows/index.ts";
import { defineWorkflow } from "./define.ts";
import { routeEvent } from "./routing.ts";

describe("routeEvent", () => {
  const issue = { action: "opened", issue: { number: 42, title: "x" }, repository: { full_name: "acme/api" } };

  it("routes a declared trigger to its workflow with the extracted case key", () => {
    const [route] = routeEvent(WORKFLOWS, "github", "issues.opened", issue);
    expect(route?.workflow.id).toBe("github-issue-triage");
    expect(route?.caseKey).toBe("github:acme/api#42");
    expect(route?.opens).toBe(true);
  });

  it("finds nothing for an event type or source no workflow declares", () => {
    expect(routeEvent(WORKFLOWS, "github", "push", issue)).toEqual([]);
    expect(routeEvent(WORKFLOWS, "shopify", "issues.opened", issue)).toEqual([]);
  });

  it("finds nothing when the payload lacks what the case key is built from, even if the extractor throws", () => {
    expect(routeEvent(WORKFLOWS, "github", "issues.opened", { action: "opened", issue: {} })).toEqual([]);
    expect(routeEvent(WORKFLOWS, "stripe", "invoice.payment_failed", { data: null })).toEqual([]);
  });

  it("correlates different systems to one customer case, marking join-only triggers", () => {
    const stripe = routeEvent(WORKFLOWS, "stripe", "invoice.payment_failed", {
      data: { object: { id: "in_1", customer_email: "Ana@Example.com" } },
    });
    const zendesk = routeEvent(WORKFLOWS, "zendesk", "ticket.created", {
      detail: { requester: { email: "ana@example.com" } },
    });
    const resend = routeEvent(WORKFLOWS, "resend", "email.received", { data: { from: "ana@example.com" } });
    expect([stripe, zendesk, resend].map((r) => r[0]?.caseKey)).toEqual([
      "customer:ana@example.com",
      "customer:ana@example.com",
      "customer:ana@example.com",
    ]);
    expect([stripe, zendesk, resend].map((r) => r[0]?.opens)).toEqual([true, false, false]);
  });

  interface Ticket {
    tags: string[];
    email: string;
  }

  it("applies a trigger's predicate and fans an event out to every workflow it concerns", () => {
    const body = async () => ({ outcome: "x" });
    const billing = defineWorkflow(
      {
        id: "billing",
        version: 1,
        minutesPerCase: 1,
        triggers: [
          {
            source: "zendesk",
            events: ["ticket.created"],
            when: (p: Ticket) => p.tags.includes("billing"),
            caseKey: (p: Ticket) => p.email,
          },
        ],
      },
      body,
    );
    const support = defineWorkflow(
      {
        id: "support",
        version: 1,
        minutesPerCase: 1,
        triggers: [{ source: "zendesk", events: ["ticket.created"], caseKey: (p: Ticket) => p.email }],
      },
      body,
    );
    expect(
      routeEvent([billing, support], "zendesk", "ticket.created", { tags: ["billing"], email: "a@b.c" }).map(
        (r) => r.workflow.id,
      ),
    ).toEqual(["billing", "support"]);
    expect(
      routeEvent([billing, support], "zendesk", "ticket.created", { tags: [], email: "a@b.c" }).map(
        (r) => r.workflow.id,
      ),
    ).toEqual(["support"]);
  });
});

describe("routeEvent with several versions of a workflow deployed", () => {
  type Form = { email: string };
  type Sms = { legacy?: string; phone?: string };
  const body = async () => ({ outcome: "x" });
  const v1 = defineWorkflow(
    {
      id: "onboard",
      version: 1,
      minutesPerCase: 1,
      triggers: [
        { source: "form", events: ["submitted"], caseKey: (p: Form) => p.email },
        { source: "sms", events: ["received"], caseKey: (p: Sms) => p.legacy },
      ],
    },
    body,
  );
  const v2 = defineWorkflow(
    {
      id: "onboard",
      version: 2,
      minutesPerCase: 1,
      triggers: [
        { source: "form", events: ["submitted"], caseKey: (p: Form) => p.email },
        { source: "sms", events: ["received"], caseKey: (p: Sms) => p.phone, opens: false },
      ],
    },
    body,
  );

  it("opens new cases on the newest version only, one route per workflow", () => {
    expect(
      routeEvent([v1, v2], "form", "submitted", { email: "a@b.c" }).map((r) => [r.workflow.version, r.opens]),
    ).toEqual([[2, true]]);
    expect(
      routeEvent([v2, v1], "form", "submitted", { email: "a@b.c" }).map((r) => [r.workflow.version, r.opens]),
    ).toEqual([[2, true]]);
  });

  it("lets an older version's trigger join a case in flight but never open one", () => {
    expect(
      routeEvent([v1, v2], "sms", "received", { legacy: "k1" }).map((r) => [r.workflow.version, r.caseKey, r.opens]),
    ).toEqual([[1, "k1", false]]);
    expect(
      routeEvent([v1, v2], "sms", "received", { phone: "+1555", legacy: "k1" }).map((r) => [
        r.workflow.version,
        r.caseKey,
      ]),
    ).toEqual([[2, "+1555"]]);
  });
});
