/** Where the onboarding's exceptions go, and who hears of them when nobody takes them in time. */
import { emailSlaNotice } from "../../connectors/email/sla-notice.ts";
import type { EscalationRequest } from "../../engine/index.ts";

/** Onboarding exceptions nobody took within their SLA go to the team's leads, told by email (the workflow's notifier). */
export const ONBOARDING_QUEUE = { queue: "onboarding", then: { queue: "onboarding-leads", sla: "8h" } } satisfies Pick<
  EscalationRequest,
  "queue" | "then"
>;
/** Screening decisions are due in 4 h; past that the compliance leads have them, and hear of it by their own address. */
export const COMPLIANCE_QUEUE = {
  queue: "compliance",
  sla: "4h",
  then: { queue: "compliance-leads", sla: "4h" },
} satisfies Pick<EscalationRequest, "queue" | "sla" | "then">;
export const complianceLeads = (config: Readonly<Record<string, unknown>>) =>
  emailSlaNotice(config, { to: "compliance-leads@crossflow.local" });
