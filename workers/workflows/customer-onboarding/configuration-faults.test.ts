/** customer-onboarding through the pure engine, against the simulators in process: configuration faults escalate. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { passportPdf } from "../../../scripts/demo-traffic/documents.ts";
import { SIMULATOR_KEYS, serveSimulators } from "../../../simulators/index.ts";
import { agentSteps } from "../../agent/agent-step.ts";
import {
  type Advance,
  advanceCase,
  type CaseEvent,
  type PendingWait,
  type RetryState,
  type StepRecord,
} from "../../engine/index.ts";
import customerOnboarding from "./index.ts";

let sims: Awaited<ReturnType<typeof serveSimulators>>;
beforeAll(async () => {
  sims = await serveSimulators();
});
afterAll(() => sims.close());

async function runUntilParked(config: Record<string, unknown>, application: unknown): Promise<Advance> {
  const events: CaseEvent[] = [
    {
      seq: 1,
      id: "app-1",
      source: "onboarding-form",
      type: "application.submitted",
      receivedAt: 0,
      payload: { event: "application.submitted", application },
    },
  ];
  const completed: StepRecord[] = [];
  const retries: Record<string, RetryState> = {};
  let wait: PendingWait | null = null;
  for (let i = 0; i < 30; i++) {
    const next = await advanceCase({
      workflow: customerOnboarding,
      caseKey: "customer:x@example.com",
      input: events[0]!.payload as never,
      events,
      completed,
      pendingWait: wait,
      retries,
      now: () => 1_000,
      config,
      extend: agentSteps(),
    });
    if (next.kind !== "step") return next;
    completed.push(next.record);
    wait = null;
  }
  throw new Error("did not park");
}

describe("customer-onboarding configuration faults", () => {
  it("escalates the email step, not the case, when the email connector has no key", async () => {
    const config = {
      COMPLIANCE_API_KEY: SIMULATOR_KEYS.compliance,
      COMPLIANCE_API_BASE_URL: `${sims.url}/compliance`,
      HUBSPOT_ACCESS_TOKEN: SIMULATOR_KEYS.hubspot,
      HUBSPOT_API_BASE_URL: `${sims.url}/hubspot`,
    };
    const application = {
      email: "x@example.com",
      name: "Ada Byron",
      birthDate: "1990-12-10",
      country: "DE",
      plan: "fiber-500",
      paymentMethod: "pm_card_visa",
      consent: true,
      documents: [{ type: "passport", fileName: "p.heic", contentType: "image/heic", sizeBytes: 1 }],
    };
    const next = await runUntilParked(config, application);
    expect(next).toMatchObject({
      kind: "waiting",
      wait: {
        kind: "human",
        stepId: "document-0-again:send",
        human: {
          queue: "errors",
          allowed: ["retry", "resolve"],
          packet: { error: { name: "FatalError", message: "RESEND_API_KEY is not set" } },
        },
      },
    });
  });

  it("escalates the read step, never skips reading, when no document reader is configured", async () => {
    const pdf = await passportPdf({ name: "Ada Byron", birthDate: "1990-12-10", expiry: "2031-05-04" });
    const config = {
      COMPLIANCE_API_KEY: SIMULATOR_KEYS.compliance,
      COMPLIANCE_API_BASE_URL: `${sims.url}/compliance`,
      HUBSPOT_ACCESS_TOKEN: SIMULATOR_KEYS.hubspot,
      HUBSPOT_API_BASE_URL: `${sims.url}/hubspot`,
    };
    const application = {
      email: "x@example.com",
      name: "Ada Byron",
      birthDate: "1990-12-10",
      country: "DE",
      plan: "fiber-500",
      paymentMethod: "pm_card_visa",
      consent: true,
      documents: [
        {
          type: "passport",
          fileName: "passport.pdf",
          contentType: "application/pdf",
          sizeBytes: pdf.size,
          content: pdf.base64,
        },
      ],
    };
    const next = await runUntilParked(config, application);
    expect(next).toMatchObject({
      kind: "waiting",
      wait: {
        kind: "human",
        stepId: "document-0-0-read",
        human: {
          queue: "errors",
          allowed: ["retry", "resolve"],
          packet: { error: { name: "FatalError", message: expect.stringContaining("DOCUMENTS is not configured") } },
        },
      },
    });
  });
});
