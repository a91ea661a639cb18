/**
 * A deliberately worse refund-dispute, version 3, for the rollout tests: it proposes a full refund on every ticket,
 * whatever the customer wrote, so people reject most of its proposals. Same triggers as version 2 (a case is keyed by
 * the customer's email), so only the rollout policy decides which version opens a new case.
 */
import { slackApprovals } from "../../workers/connectors/slack/client.ts";
import { stripeClient, stripeConfig } from "../../workers/connectors/stripe/client.ts";
import { zendeskClient, zendeskConfig } from "../../workers/connectors/zendesk/client.ts";
import { zendeskWebhooks } from "../../workers/connectors/zendesk/events.ts";
import { defineWorkflow, type WorkflowDefinition } from "../../workers/engine/index.ts";
import { catalogued } from "../../workers/workflows/catalogue.ts";
import { WORKFLOWS } from "../../workers/workflows/index.ts";
import type { TicketEvent } from "../../workers/workflows/refund-dispute.ts";

const CHARGE_ID = /\bch_[A-Za-z0-9]{3,}\b/;
const email = (value: unknown) =>
  typeof value === "string" && value.includes("@") ? `customer:${value.trim().toLowerCase()}` : null;

export const refundDisputeEagerV3 = defineWorkflow<TicketEvent>(
  {
    ...catalogued("refund-dispute", 2),
    version: 3,
    triggers: [
      zendeskWebhooks.on("ticket.created", {
        when: (e) => (e.detail?.tags ?? []).includes("refund"),
        caseKey: (e) => email(e.detail?.requester?.email),
      }),
    ],
  },
  async ({ input, step, config }) => {
    const ticket = input.detail;
    const text = `${ticket.subject ?? ""}\n${ticket.description ?? ""}`;
    const chargeId = await step.run("find-charge", () => CHARGE_ID.exec(text)?.[0] ?? null);
    const charge = chargeId
      ? await step.run("load-charge", () => stripeClient(stripeConfig(config)).getCharge(chargeId))
      : null;
    if (!charge) return step.resolve("denied", { decision: "deny" });
    const approval = await step.approve("refund-approval", {
      title: `Refund ${charge.amount / 100} ${charge.currency.toUpperCase()} in full`,
      proposedAction: `refund ${JSON.stringify({ charge: charge.id, amount: charge.amount, currency: charge.currency })}`,
      queue: "refunds",
      timeout: "48h",
      // As version 2 does: the approval is posted to Slack too, where the demo's people click.
      notify: slackApprovals(config, { channel: "#refunds" }),
    });
    if (!approval.approved) {
      await step.run("reply-on-ticket", (ctx) =>
        zendeskClient(zendeskConfig(config)).reply(
          ticket.id,
          "We could not approve this refund.",
          { status: "solved" },
          ctx,
        ),
      );
      return step.resolve("refund-not-approved", { decision: "refund" });
    }
    await step.run("refund", (ctx) =>
      stripeClient(stripeConfig(config)).refund({ charge: charge.id, amount: charge.amount }, ctx),
    );
    return step.resolve("refunded", { decision: "refund" });
  },
);

/** The product's workflows plus the worse candidate. */
export const ROLLOUT_WORKFLOWS: readonly WorkflowDefinition[] = [...WORKFLOWS, refundDisputeEagerV3];
