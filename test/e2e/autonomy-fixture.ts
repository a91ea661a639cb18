/**
 * A refund workflow with a short autonomy ladder, for the autonomy e2e: the agent proposes refunding what is left on
 * the charge a ticket names; it starts on "always ask" and may earn "alone up to 50" after 3 proposals people approved
 * unchanged (the product's refund-dispute needs 50). Each copy opens cases for tickets tagged with its own id, so
 * refund-dispute never sees them and the runtimes' copies keep their levels apart in the one database.
 */
import { guardedTool } from "../../workers/agent/tool.ts";
import { type StripeCharge, stripeClient, stripeConfig } from "../../workers/connectors/stripe/client.ts";
import { stripeTools } from "../../workers/connectors/stripe/tools.ts";
import { zendeskWebhooks } from "../../workers/connectors/zendesk/events.ts";
import { type AutonomyDeclaration, defineWorkflow, type WorkflowDefinition } from "../../workers/engine/index.ts";
import { WORKFLOWS } from "../../workers/workflows/index.ts";
import { type TicketEvent, Triage } from "../../workers/workflows/refund-dispute.ts";

const CHARGE_ID = /\bch_[A-Za-z0-9]{3,}\b/;

export const FIXTURE_LADDER: AutonomyDeclaration = {
  action: "refund",
  ladder: [
    { name: "always ask", alone: false },
    { name: "alone up to 50", alone: { upTo: 5_000 } },
  ],
  start: 0,
  promoteAfter: { cases: 3, agreement: 1 },
};

/** The fixture workflow under `id`, for tickets tagged `id`. */
export const refundAutonomy = (id: string) =>
  defineWorkflow<TicketEvent>(
    {
      id,
      version: 1,
      minutesPerCase: 10,
      autonomy: [FIXTURE_LADDER],
      triggers: [
        zendeskWebhooks.on("ticket.created", {
          when: (e) => (e.detail?.tags ?? []).includes(id),
          caseKey: (e) => (e.detail?.requester?.email ? `customer:${e.detail.requester.email.toLowerCase()}` : null),
        }),
      ],
    },
    async ({ input, step, agent, config }) => {
      const text = `${input.detail.subject ?? ""}\n${input.detail.description ?? ""}`;
      const chargeId = await step.run("find-charge", () => CHARGE_ID.exec(text)?.[0] ?? null);
      const charge = chargeId
        ? await step.run("load-charge", () => stripeClient(stripeConfig(config)).getCharge(chargeId))
        : null;
      if (!charge) return step.resolve("denied");
      const triage = await agent("triage", {
        instructions: "Refund a duplicate charge in full.",
        context: { charge },
        data: [{ label: "support ticket", text }],
        decision: Triage,
        tools: {
          refund: guardedTool({
            ...stripeTools(config).refund,
            limit: (r) => (r.amount > 10_000 ? `amount ${r.amount} is over the cap` : null),
            autonomy: { ladder: FIXTURE_LADDER, amount: (r) => r.amount },
          }),
        },
        heuristics: ({ context }) => {
          const c = context.charge as StripeCharge;
          const input = { charge: c.id, amount: c.amount - c.amount_refunded, currency: c.currency };
          return {
            decision: "refund" as const,
            confidence: 0.95,
            rationale: "duplicate charge",
            calls: [{ tool: "refund", input }],
          };
        },
        escalation: { queue: "refunds" },
      });
      const refunded = Object.values(triage.results).some((r) => typeof r === "object" && r !== null && "id" in r);
      return step.resolve(refunded ? "refunded" : "refund-not-approved");
    },
  );

/** The product's workflows plus the fixture. */
export const AUTONOMY_WORKFLOWS: readonly WorkflowDefinition[] = [
  ...WORKFLOWS,
  refundAutonomy("refund-autonomy"),
  refundAutonomy("refund-autonomy-deno"),
];
