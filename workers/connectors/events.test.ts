/** Each connector's webhook schemas accept what that system sends and refuse what it does not. */
import { describe, expect, it } from "vitest";
import { complianceEvents } from "./compliance/events.ts";
import { emailEvents } from "./email/events.ts";
import { onboardingFormEvents } from "./onboarding-form/events.ts";
import { provisioningEvents } from "./provisioning/events.ts";
import { zendeskEvents } from "./zendesk/events.ts";

describe("connector webhook schemas", () => {
  it("reads an inbound email, a Zendesk ticket, an activation and an application as their senders send them", () => {
    expect(
      emailEvents["email.received"].safeParse({
        type: "email.received",
        created_at: "2026-01-01T00:00:00Z",
        data: {
          from: "a@example.com",
          subject: "Re",
          text: "YES",
          attachments: [{ filename: "p.pdf", content_type: "application/pdf", size: 1 }],
        },
      }).success,
    ).toBe(true);
    expect(
      zendeskEvents["ticket.created"].safeParse({
        id: "e1",
        type: "zen:event-type:ticket.created",
        time: "2026-01-01T00:00:00Z",
        detail: { id: "42", subject: "Refund", tags: ["refund"], requester: { email: "a@example.com" } },
      }).success,
    ).toBe(true);
    expect(
      provisioningEvents["service.activated"].safeParse({
        event: "service.activated",
        activation: { id: "act_1", status: "active", customer: { email: "a@example.com" } },
      }).success,
    ).toBe(true);
    const application = {
      email: "a@example.com",
      name: "Ada",
      birthDate: "1990-12-10",
      country: "DE",
      plan: "fiber-500",
      paymentMethod: "pm_card_visa",
      documents: [{ type: "passport", fileName: "p.pdf", contentType: "application/pdf", sizeBytes: 1 }],
    };
    expect(
      onboardingFormEvents["application.submitted"].safeParse({ event: "application.submitted", application }).success,
    ).toBe(true);
    expect(complianceEvents).toEqual({});
  });

  it("refuses payloads missing what a workflow reads", () => {
    expect(emailEvents["email.received"].safeParse({ type: "email.received", created_at: "x", data: {} }).success).toBe(
      false,
    );
    expect(
      zendeskEvents["ticket.created"].safeParse({
        id: "e1",
        type: "zen:event-type:ticket.updated",
        detail: { id: "42" },
      }).success,
    ).toBe(false);
    expect(
      onboardingFormEvents["application.submitted"].safeParse({
        event: "application.submitted",
        application: { email: "not-an-email" },
      }).success,
    ).toBe(false);
  });
});
