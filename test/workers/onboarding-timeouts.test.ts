/**
 * customer-onboarding's waits that only end with time, inside workerd: the test clock moves days forward and the
 * object's alarm runs them. No reply to a document request: one reminder at 24 h, then a person at 72 h.
 */
import { describe, expect, it } from "vitest";
import { caseFacts } from "../../workers/metrics/index.ts";
import { CATALOGUE } from "../../workers/workflows/catalogue.ts";
import customerOnboarding from "../../workers/workflows/customer-onboarding/index.ts";
import { caseHandle, sim } from "./case-handle.ts";
import { testClock } from "./clock.ts";

const HOUR = 3_600_000;

describe("customer-onboarding timeouts", () => {
  it("reminds once after 24 h and escalates after 72 h without the document", async () => {
    const c = caseHandle(customerOnboarding);
    const application = {
      email: c.customer,
      name: "Ada Byron",
      birthDate: "1990-12-10",
      country: "DE",
      plan: "fiber-500",
      paymentMethod: "pm_card_visa",
      consent: true,
      documents: [{ type: "passport", fileName: "passport.heic", contentType: "image/heic", sizeBytes: 1000 }],
    };
    expect(await c.open({ event: "application.submitted", application })).toEqual({ status: "accepted" });
    await c.settle((v) => v.wait?.stepId === "document-0-again:reply", "asked for the document");
    testClock.advance(24 * HOUR);
    await c.settle((v) => v.wait?.stepId === "document-0-again:reply-after-reminder", "reminded");
    testClock.advance(48 * HOUR);
    const view = await c.settle((v) => v.header.status === "escalated", "escalated");
    expect(view.wait?.human).toMatchObject({
      queue: "onboarding",
      packet: { reason: "no new passport within 72 h", tried: ["asked by email, reminded after 24 h"] },
    });
    const sent = (
      await sim<{ requests: { path: string; idempotencyKey: string | null }[] }>("/resend/_sim/requests")
    ).requests.filter((r) => r.path.endsWith("/emails"));
    const keys = view.attempts.filter((a) => a.stepId.startsWith("document-0-again:")).map((a) => a.idempotencyKey);
    expect(sent.filter((r) => keys.includes(r.idempotencyKey!))).toHaveLength(2);
    // The customer never answered: a drop-out in the workflow's business results, measured from the case's own trail.
    const measures = CATALOGUE.find((w) => w.id === customerOnboarding.id && w.version === customerOnboarding.version)!;
    expect(caseFacts("escalated", view.timeline, measures)).toMatchObject({
      succeeded: false,
      droppedOut: true,
      valueMinor: 0,
    });
  });
});
