import type { WorkflowDefinition } from "../engine/index.ts";
import customerOnboarding from "./customer-onboarding.ts";
import githubIssueTriage from "./github-issue-triage.ts";
import paymentRecovery from "./payment-recovery.ts";
import refundDispute from "./refund-dispute.ts";

/** Every deployed workflow version. A case pins the version it opened with. */
export const WORKFLOWS: readonly WorkflowDefinition[] = [githubIssueTriage, paymentRecovery, refundDispute, customerOnboarding];
