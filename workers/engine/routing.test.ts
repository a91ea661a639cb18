import { describe, expect, it } from "vitest";
import { WORKFLOWS } from "../workflows/index.ts";
import { defineWorkflow } from "./define.ts";
import { routeEvent, shareBucket, versionForKey, withRollout } from "./routing.ts";

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

describe("rollout shares", () => {
  const ticket = (email: string) => ({ detail: { tags: ["refund"], requester: { email } } });
  const shares = [
    { version: 1, percent: 80 },
    { version: 2, percent: 20 },
  ];

  it("gives each case key the same version every time, and each version about its share of many keys", () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `customer:c${i}@example.com`);
    const first = keys.map((k) => versionForKey(shares, "refund-dispute", k));
    expect(keys.map((k) => versionForKey(shares, "refund-dispute", k))).toEqual(first);
    const share = first.filter((v) => v === 2).length / keys.length;
    // 20 % of 20,000 keys: three standard deviations are ±0.85 points.
    expect(share).toBeGreaterThan(0.19);
    expect(share).toBeLessThan(0.21);
    expect(shareBucket("refund-dispute", "customer:a@example.com")).toBe(
      shareBucket("refund-dispute", "customer:a@example.com"),
    );
    // A ramp keeps the customers the candidate has; the order a policy lists its versions in changes nothing.
    const ramped = keys.map((k) =>
      versionForKey(
        [
          { version: 2, percent: 50 },
          { version: 1, percent: 50 },
        ],
        "refund-dispute",
        k,
      ),
    );
    expect(first.every((v, i) => v !== 2 || ramped[i] === 2)).toBe(true);
    expect(ramped.filter((v) => v === 2).length).toBeGreaterThan(9_500);
    // Another workflow splits the same customers independently.
    const other = keys.map((k) => versionForKey(shares, "customer-onboarding", k));
    expect(other.filter((v, i) => v !== first[i]).length).toBeGreaterThan(1_000);
  });

  it("opens a new case on the version the key's share names; a version without a share opens none", () => {
    const email = Array.from({ length: 100 }, (_, i) => `k${i}@example.com`).find(
      (e) => versionForKey(shares, "refund-dispute", `customer:${e}`) === 1,
    )!;
    const route = routeEvent(WORKFLOWS, "zendesk", "ticket.created", ticket(email)).find(
      (r) => r.workflow.id === "refund-dispute",
    );
    expect(route?.workflow.version).toBe(2); // without a policy: the newest
    const rolled = withRollout(route!, WORKFLOWS, shares, "zendesk", "ticket.created", ticket(email));
    expect(rolled).toMatchObject({ opens: true, caseKey: `customer:${email}` });
    expect(rolled.workflow.version).toBe(1);
    const none = withRollout(
      route!,
      WORKFLOWS,
      [
        { version: 1, percent: 0 },
        { version: 2, percent: 0 },
      ],
      "zendesk",
      "ticket.created",
      ticket(email),
    );
    expect(none.opens).toBe(false);
  });

  it("leaves a route that only joins a case alone: cases in flight keep their version", () => {
    const [reply] = routeEvent(WORKFLOWS, "resend", "email.received", { data: { from: "ana@example.com" } });
    const refund = routeEvent(WORKFLOWS, "resend", "email.received", { data: { from: "ana@example.com" } }).find(
      (r) => r.workflow.id === "refund-dispute",
    )!;
    expect(refund.opens).toBe(false);
    expect(withRollout(refund, WORKFLOWS, shares, "resend", "email.received", {})).toBe(refund);
    expect(reply).toBeDefined();
  });
});
