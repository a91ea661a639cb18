/**
 * A refund review for the case-operations e2e (tickets tagged `ops-fixture`): it finds the charge a ticket names, loads
 * it from Stripe in one attempt (a failure goes to a person at once), and hands the case to the refunds queue. A ticket
 * whose subject is "lookup outside a step" also looks the charge up between steps, as a workflow with that bug would:
 * when Stripe fails there, the case itself fails (nothing to hand to a person), which an operator's retry resumes.
 */
import { stripeClient, stripeConfig } from "../../workers/connectors/stripe/client.ts";
import { zendeskWebhooks } from "../../workers/connectors/zendesk/events.ts";
import { defineWorkflow, type WorkflowDefinition } from "../../workers/engine/index.ts";
import { WORKFLOWS } from "../../workers/workflows/index.ts";
import type { TicketEvent } from "../../workers/workflows/refund-dispute.ts";

export const OPS_FIXTURE = "ops-fixture";
const CHARGE_ID = /\bch_[A-Za-z0-9]{3,}\b/;

export const opsFixture = defineWorkflow<TicketEvent>(
  {
    id: OPS_FIXTURE,
    version: 1,
    minutesPerCase: 10,
    triggers: [
      zendeskWebhooks.on("ticket.created", {
        when: (e) => (e.detail?.tags ?? []).includes(OPS_FIXTURE),
        caseKey: (e) => (e.detail?.requester?.email ? `customer:${e.detail.requester.email.toLowerCase()}` : null),
      }),
    ],
  },
  async ({ input, step, config }) => {
    const text = `${input.detail.subject ?? ""}\n${input.detail.description ?? ""}`;
    const chargeId = await step.run("find-charge", () => CHARGE_ID.exec(text)?.[0] ?? null);
    if (!chargeId) return step.resolve("no-charge");
    const stripe = stripeClient(stripeConfig(config));
    if (input.detail.subject === "lookup outside a step") await stripe.getCharge(chargeId);
    const charge = await step.run("load-charge", () => stripe.getCharge(chargeId), { retries: 0 });
    return step.escalate("review", {
      reason: `check the refund of ${charge?.id ?? chargeId}`,
      queue: "refunds",
      proposedAction: "refund",
    });
  },
);

/** The product's workflows plus the fixture. */
export const OPERATIONS_WORKFLOWS: readonly WorkflowDefinition[] = [...WORKFLOWS, opsFixture];
