/**
 * A customer asks for a refund in a Zendesk ticket. An agent reads the ticket (as quoted data) with the Stripe
 * charge it names, and decides within guardrails: refunds only up to the cap in force (100 EUR/USD until an admin
 * changes the `refund-limits` policy) and never more than is left on the charge, above the approval threshold (50)
 * only after a person approves. The case reads the limits once, first, and keeps them to its end. Without a charge id it asks the customer by email (one
 * reminder) and decides again with the reply; possible fraud, low confidence or no reply go to a person (an unsure
 * refund within the guardrails, e.g. a damaged item, may be carried out by them: it then runs as if sure). The
 * customer gets the answer as a reply on the ticket. Version 2 also posts each approval to Slack (`#refunds`, or
 * `SLACK_APPROVALS_CHANNEL`) with Approve/Reject buttons; a click decides like the dashboard does.
 */
import { z } from "zod";
import { guardedTool } from "../agent/tool.ts";
import type { AgentSpec, QuotedData } from "../agent/types.ts";
import { emailChannel, emailReplies } from "../connectors/email/client.ts";
import { emailWebhooks } from "../connectors/email/events.ts";
import { slackApprovals } from "../connectors/slack/client.ts";
import { slackSlaNotice } from "../connectors/slack/sla-notice.ts";
import { type StripeCharge, stripeClient, stripeConfig } from "../connectors/stripe/client.ts";
import { stripeTools } from "../connectors/stripe/tools.ts";
import { zendeskClient, zendeskConfig } from "../connectors/zendesk/client.ts";
import { zendeskWebhooks } from "../connectors/zendesk/events.ts";
import {
  type ApprovalNotifier,
  type AutonomyDeclaration,
  type Duration,
  defineWorkflow,
  type PolicyRead,
  type SatisfactionSurvey,
  type SlaHop,
} from "../engine/index.ts";
import { catalogued, REFUND_LIMITS, type RefundLimits } from "./catalogue.ts";

export interface TicketEvent {
  id: string;
  type: string;
  detail: { id: string; subject?: string; description?: string; tags?: string[]; requester?: { email?: string } };
}

const email = (value: unknown) =>
  typeof value === "string" && value.includes("@") ? `customer:${value.trim().toLowerCase()}` : null;
const CHARGE_ID = /\bch_[A-Za-z0-9]{3,}\b/;

/** What the customer reads on the ticket: our words, never the model's (its rationale stays internal). */
const REPLIES: Record<"refunded" | "refund-not-approved" | "denied", string> = {
  refunded: "We have refunded the charge to your card. Depending on your bank it shows within 5 to 10 business days.",
  "refund-not-approved":
    "We looked into your request and could not approve this refund. A colleague will contact you if anything changes.",
  denied:
    "We looked into your request; this charge does not qualify for a refund under our policy. Reply to this ticket if we missed something.",
};

/**
 * How alone the agent may refund: it starts acting alone up to 50 (asking a person above), and earns "alone up to
 * the cap" once people approved at least 95 % of 50 proposals unchanged, none of the last 50 rejected (an admin
 * promotes). One rejection or reversal at the level in force, or errors in a fifth of the cases it refunded alone,
 * take it down a rung.
 */
export const REFUND_AUTONOMY: AutonomyDeclaration = {
  action: "refund",
  ladder: [
    { name: "always ask", alone: false },
    { name: "alone up to 50", alone: { upTo: 5_000 } },
    { name: "alone up to the cap", alone: true },
  ],
  start: 1,
  promoteAfter: { cases: 50, agreement: 0.95 },
  demoteOn: { errorRate: { rate: 0.2, minCases: 10 } },
};

export const Triage = z.object({
  decision: z.enum(["refund", "deny", "need-details", "escalate"]),
  confidence: z.number().min(0).max(1),
  rationale: z.string().max(1_000),
});
export type TriageDecision = z.infer<typeof Triage>;

/**
 * The ladder the refund tool follows under `limits`: the "alone up to" rung moves with the approval threshold (named
 * by its amount, as the declared rung is at the default).
 */
function refundLadder(limits: RefundLimits): AutonomyDeclaration {
  return {
    ...REFUND_AUTONOMY,
    ladder: REFUND_AUTONOMY.ladder.map((rung) =>
      typeof rung.alone === "object"
        ? { name: `alone up to ${limits.approvalAboveMinor / 100}`, alone: { upTo: limits.approvalAboveMinor } }
        : rung,
    ),
  };
}

/** The policy the offline model applies; a real model is told the same in its instructions. */
export function triageRules({ context, data }: { context: Record<string, unknown>; data: readonly QuotedData[] }) {
  const text = data
    .map((d) => d.text)
    .join("\n")
    .toLowerCase();
  const charge = context.charge as StripeCharge | null;
  if (/fraud|stolen|did ?n.?t authori[sz]e|unauthori[sz]ed|not me\b/.test(text)) {
    return {
      decision: "escalate" as const,
      confidence: 0.6,
      rationale: "the customer reports a charge they did not make: fraud is a person's call",
    };
  }
  if (!charge)
    return {
      decision: "need-details" as const,
      confidence: 0.9,
      rationale: "no Stripe charge could be identified from the ticket",
    };
  const left = charge.amount - charge.amount_refunded;
  if (left <= 0)
    return { decision: "deny" as const, confidence: 0.9, rationale: `charge ${charge.id} is already refunded in full` };
  const refund = { tool: "refund", input: { charge: charge.id, amount: left, currency: charge.currency } };
  if (/twice|duplicate|double[- ]?charged|charged two/.test(text))
    return {
      decision: "refund" as const,
      confidence: 0.9,
      rationale: "the customer reports a duplicate charge",
      calls: [refund],
    };
  if (/never (arrived|received|came)|not (arrived|received|delivered)|didn.?t (arrive|receive)/.test(text)) {
    return { decision: "refund" as const, confidence: 0.82, rationale: "the order did not arrive", calls: [refund] };
  }
  // The policy is silent on damaged goods: the refund is proposed, unsure, so a person decides (and may carry it out).
  if (/damaged|broken|cracked|smashed|defective/.test(text)) {
    return {
      decision: "refund" as const,
      confidence: 0.65,
      rationale:
        "the customer reports a damaged item; the policy does not cover damaged goods, so a person should decide",
      calls: [refund],
    };
  }
  return {
    decision: "deny" as const,
    confidence: 0.7,
    rationale: "no refund reason in the policy matches the request",
  };
}

function triageSpec(
  policy: PolicyRead<RefundLimits>,
  config: Readonly<Record<string, unknown>>,
  charge: StripeCharge | null,
  data: QuotedData[],
  customer: string,
  notify?: ApprovalNotifier,
): AgentSpec<TriageDecision> {
  const limits = policy.value;
  const cap = limits.capMinor;
  return {
    instructions: [
      "You handle refund requests for card payments.",
      `Policy: refund a duplicate charge or an order that never arrived, at most ${cap / 100} in the charge's currency and never more than is left on the charge;`,
      "deny requests the policy does not cover; ask for details when no charge is identified; hand anything that looks like fraud to a person (decision `escalate`).",
      "For a damaged item, which the policy does not cover, propose the refund with a confidence below 0.8 so a person decides.",
    ].join(" "),
    promptVersion: "refund-dispute-2",
    context: { charge, customer },
    data,
    decision: Triage,
    tools: {
      lookupCharge: stripeTools(config).lookupCharge,
      refund: guardedTool({
        ...stripeTools(config).refund,
        // Said to people in the packet and the inbox: amounts as money, the policy by the version that set the cap.
        limit: (r) => {
          if (!["eur", "usd"].includes(r.currency.toLowerCase())) return `currency ${r.currency} is not allowed`;
          const amount = (minor: number) => `${(minor / 100).toFixed(2)} ${r.currency.toUpperCase()}`;
          const rules =
            policy.version === 0 ? `${policy.name}: the defaults` : `${policy.name} version ${policy.version}`;
          if (r.amount > cap) return `amount ${amount(r.amount)} is over the cap of ${amount(cap)} (${rules})`;
          if (!charge || r.charge !== charge.id) return `charge ${r.charge} is not the charge of this case`;
          if (r.amount > charge.amount - charge.amount_refunded)
            return `amount ${amount(r.amount)} is more than is left on ${charge.id}`;
          return null;
        },
        autonomy: { ladder: refundLadder(limits), amount: (r) => r.amount },
      }),
    },
    guardrails: { minConfidence: 0.8, maxToolCalls: 4, maxTokens: 20_000 },
    redact: ["iban", "cardNumber"],
    heuristics: triageRules,
    escalation: { queue: "refunds", sla: limits.personSla as Duration, then: REFUND_LEADS },
    ...(notify ? { approvals: { notify } } : {}),
  };
}

/** A refund case nobody in `refunds` took within its SLA (8 h) goes to the team's leads, who get 4 h more. */
const REFUND_LEADS: SlaHop = { queue: "refund-leads", sla: "4h" };

/** One question after the refund case resolved, in the customer's email thread; a week for the answer. */
const REFUND_SURVEY: SatisfactionSurvey<TicketEvent> = {
  question: {
    en: "Your refund request is settled. How satisfied are you with how we handled it? Reply with a number from 1 (not at all) to 5 (very).",
  },
  channel: ({ input, config, conversation }) =>
    emailChannel(
      config,
      { to: input.detail.requester?.email ?? "", subject: `Re: ${input.detail.subject ?? "your refund request"}` },
      conversation,
    ),
  replyText: (reply) => String((reply.payload as { data?: { text?: string } })?.data?.text ?? ""),
  wait: "7d",
};

/** Version 1 asks for approvals in the dashboard only; version 2 also posts them to Slack. */
function refundDispute(version: 1 | 2) {
  return defineWorkflow<TicketEvent>(
    {
      ...catalogued("refund-dispute", version),
      autonomy: [REFUND_AUTONOMY],
      // The leads hear of every refund past its SLA in their channel (`SLACK_SLA_CHANNEL` overrides it).
      slaNotify: (config) => slackSlaNotice(config, { channel: "#refund-leads" }),
      // Version 2: how satisfied the customer is, asked by email once the case resolved.
      ...(version >= 2 ? { satisfaction: REFUND_SURVEY } : {}),
      triggers: [
        zendeskWebhooks.on("ticket.created", {
          when: (e) => (e.detail?.tags ?? []).includes("refund"),
          caseKey: (e) => email(e.detail?.requester?.email),
        }),
        // The customer's answer to our questions, by email.
        emailWebhooks.on("email.received", { caseKey: (e) => email(e.data?.from), opens: false, reply: emailReplies }),
      ],
    },
    async ({ input, step, agent, config, conversation }) => {
      const notify = version >= 2 ? slackApprovals(config, { channel: "#refunds" }) : undefined;
      // Read once, first: the case decides under these limits to its end, whatever an admin changes meanwhile.
      const limits = await step.policy(REFUND_LIMITS);
      const personSla = limits.value.personSla as Duration;
      const ticket = input.detail;
      const customer = ticket.requester?.email ?? "";
      const ticketText: QuotedData = {
        label: "support ticket",
        text: `${ticket.subject ?? ""}\n\n${ticket.description ?? ""}`,
      };
      const loadCharge = (id: string, stepId: string) =>
        step.run(stepId, () => stripeClient(stripeConfig(config)).getCharge(id));
      const chargeId = await step.run("find-charge", () => CHARGE_ID.exec(ticketText.text)?.[0] ?? null);
      const charge = chargeId ? await loadCharge(chargeId, "load-charge") : null;

      let triage = await agent("triage", triageSpec(limits, config, charge, [ticketText], customer, notify));
      if (triage.decision === "need-details") {
        const channel = emailChannel(
          config,
          { to: customer, subject: `Re: ${ticket.subject ?? "your refund request"}` },
          conversation,
        );
        const reply = await step.ask(
          "details",
          channel,
          "To look into your refund, please reply with the charge id (it starts with ch_) from your receipt and tell us what went wrong.",
          { timeout: "48h", remindAfter: "24h" },
        );
        if (!reply)
          return step.escalate("no-reply", {
            reason: "the customer did not send the charge details within 48 h",
            tried: ["asked by email, reminded after 24 h"],
            queue: "refunds",
            sla: personSla,
            then: REFUND_LEADS,
          });
        const replyText: QuotedData = {
          label: "customer email reply",
          text: String((reply.payload as { data?: { text?: string } })?.data?.text ?? ""),
        };
        const repliedId = await step.run("find-charge-in-reply", () => CHARGE_ID.exec(replyText.text)?.[0] ?? null);
        const repliedCharge = repliedId ? await loadCharge(repliedId, "load-charge-from-reply") : null;
        triage = await agent(
          "triage-with-reply",
          triageSpec(limits, config, repliedCharge, [ticketText, replyText], customer, notify),
        );
        if (triage.decision === "need-details")
          return step.escalate("still-unclear", {
            reason: "the reply did not identify a charge",
            queue: "refunds",
            sla: personSla,
            then: REFUND_LEADS,
          });
      }
      // The refunds Stripe made (an action skipped by a person's rejection carries no id): their sum is what the case moved.
      const refunds = Object.values(triage.results).filter(
        (r): r is { id: string; amount?: unknown; currency?: unknown } =>
          typeof r === "object" && r !== null && "id" in r,
      );
      const refunded = refunds.length > 0;
      const refundedMinor = refunds.reduce((sum, r) => sum + (typeof r.amount === "number" ? r.amount : 0), 0);
      const currency = refunds.find((r) => typeof r.currency === "string")?.currency as string | undefined;
      const outcome = triage.decision === "refund" ? (refunded ? "refunded" : "refund-not-approved") : "denied";
      await step.run("reply-on-ticket", (ctx) =>
        zendeskClient(zendeskConfig(config)).reply(ticket.id, REPLIES[outcome], { status: "solved" }, ctx),
      );
      return step.resolve(outcome, {
        decision: triage.decision,
        rationale: triage.rationale,
        // The amount refunded, in minor units of the charge's currency: the workflow's business result.
        ...(refunded && currency ? { refundedMinor, currency } : {}),
      });
    },
  );
}

export const refundDisputeV1 = refundDispute(1);
export default refundDispute(2);
