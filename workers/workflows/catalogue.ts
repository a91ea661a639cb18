/**
 * The deployed workflow versions by their headers only: what a human spends on a case, what a decision costs, the
 * routine steps, the systems, the SLA. The dashboard and the scripts read this instead of the workflows themselves
 * (which pull in their connectors and the agent); each workflow's definition takes its header from here, so the
 * figures are written once. A test holds it equal to `WORKFLOWS`, version by version.
 */
import type { WorkflowHeader } from "../engine/index.ts";

/** A version's header as the metrics read it: the figures of `WorkflowHeader`, without triggers or notifiers. */
export type CatalogueEntry = Pick<
  WorkflowHeader,
  "id" | "version" | "minutesPerCase" | "minutesPerDecision" | "routineSteps" | "systems" | "sla"
>;

const refundDispute = {
  id: "refund-dispute",
  minutesPerCase: 25,
  // Approving or deciding one refund the policy would not grant alone.
  minutesPerDecision: 8,
  systems: ["Zendesk", "Stripe", "Slack"],
  sla: "8h",
} as const;

const customerOnboarding = {
  id: "customer-onboarding",
  minutesPerCase: 45,
  // A person's review of one exception (a screening hit, a declined card, a question the facts cannot answer).
  minutesPerDecision: 15,
  // Every EU applicant is asked for consent: part of the normal path, not an exception.
  routineSteps: ["consent"],
  systems: ["HubSpot CRM", "compliance screening", "Stripe billing", "provisioning", "email/SMS"],
  sla: "8h",
} as const;

export const CATALOGUE: readonly CatalogueEntry[] = [
  { id: "github-issue-triage", version: 1, minutesPerCase: 4, systems: ["GitHub"] },
  { id: "payment-recovery", version: 1, minutesPerCase: 20, systems: ["Stripe", "Zendesk"] },
  { ...refundDispute, version: 1 },
  { ...refundDispute, version: 2 },
  { ...customerOnboarding, version: 1 },
  { ...customerOnboarding, version: 2 },
  { ...customerOnboarding, version: 3 },
  { id: "crm-deal-intake", version: 1, minutesPerCase: 5, systems: ["HubSpot CRM", "signup form"], sla: "8h" },
];

/**
 * The header of workflow `id` at `version`, for its definition to spread; throws when the catalogue lacks it.
 * @example defineWorkflow({ ...catalogued("payment-recovery", 1), triggers }, body)
 */
export function catalogued(id: string, version: number): CatalogueEntry {
  const entry = CATALOGUE.find((e) => e.id === id && e.version === version);
  if (!entry) throw new TypeError(`workflow ${id} v${version} is not in workers/workflows/catalogue.ts`);
  return entry;
}
