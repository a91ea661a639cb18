import { describe, expect, it } from "vitest";
import { routeEvent } from "../engine/index.ts";
import paymentRecovery from "./payment-recovery.ts";

/** A Zendesk ticket event as the webhook sends it, for the requester `ana@example.com`. */
const zendesk = (
  type: "ticket.created" | "ticket.comment_added",
  comment?: { is_public: boolean; author: { is_staff: boolean } },
) => ({
  type: `zen:event-type:${type}`,
  detail: { id: "7", requester: { email: "Ana@Example.com" } },
  ...(comment ? { event: { comment: { id: "c1", body: "…", ...comment } } } : {}),
});
const routed = (type: "ticket.created" | "ticket.comment_added", payload: unknown) =>
  routeEvent([paymentRecovery], "zendesk", type, payload).map((r) => r.caseKey);

describe("payment-recovery's Zendesk trigger", () => {
  it("joins the customer's case on a new ticket and on the customer's own public comment", () => {
    expect(routed("ticket.created", zendesk("ticket.created"))).toEqual(["customer:ana@example.com"]);
    expect(
      routed("ticket.comment_added", zendesk("ticket.comment_added", { is_public: true, author: { is_staff: false } })),
    ).toEqual(["customer:ana@example.com"]);
  });

  it("does not count support's replies or internal notes as the customer getting in touch", () => {
    expect(
      routed("ticket.comment_added", zendesk("ticket.comment_added", { is_public: true, author: { is_staff: true } })),
    ).toEqual([]);
    expect(
      routed(
        "ticket.comment_added",
        zendesk("ticket.comment_added", { is_public: false, author: { is_staff: false } }),
      ),
    ).toEqual([]);
  });
});
