import type { WorkflowDefinition } from "../engine/index.ts";
import crmDealIntake, { crmDealIntakeV1 } from "./crm-deal-intake/index.ts";
import customerOnboarding, {
  customerOnboardingV1,
  customerOnboardingV2,
  customerOnboardingV3,
} from "./customer-onboarding/index.ts";
import githubIssueTriage from "./github-issue-triage.ts";
import paymentRecovery from "./payment-recovery.ts";
import refundDispute, { refundDisputeV1 } from "./refund-dispute.ts";

/**
 * Every deployed workflow version. A case pins the version it opened with; the newest version of each workflow
 * opens new cases (older ones stay deployed for the cases still in flight on them).
 */
export const WORKFLOWS: readonly WorkflowDefinition[] = [
  githubIssueTriage,
  paymentRecovery,
  refundDisputeV1,
  refundDispute,
  customerOnboardingV1,
  customerOnboardingV2,
  customerOnboardingV3,
  customerOnboarding,
  crmDealIntakeV1,
  crmDealIntake,
];
