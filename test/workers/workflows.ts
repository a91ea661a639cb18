/**
 * Workflows only the workerd tests deploy: they exercise every kind of step against the local simulators
 * (Stripe for refunds, a Resend-style API for email), through the product's connectors.
 */
import { env } from "cloudflare:workers";
import { z } from "zod";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { guardedTool } from "../../workers/agent/tool.ts";
import { emailClient } from "../../workers/connectors/email/client.ts";
import { emailSlaNotice } from "../../workers/connectors/email/sla-notice.ts";
import { slackSlaNotice } from "../../workers/connectors/slack/sla-notice.ts";
import { stripeClient } from "../../workers/connectors/stripe/client.ts";
import { defineWorkflow, type WorkflowDefinition } from "../../workers/engine/index.ts";

const simulators = () => (env as unknown as { SIMULATORS_URL: string }).SIMULATORS_URL;
const stripe = () => stripeClient({ baseUrl: `${simulators()}/stripe`, apiKey: SIMULATOR_KEYS.stripe });
const email = () => emailClient({ baseUrl: `${simulators()}/resend`, apiKey: SIMULATOR_KEYS.resend });

export interface RefundRequest {
  charge: string;
  amount: number;
  email: string;
}

/** run → ask the customer (one reminder) → two-person approval → refund → resolve; no reply → escalate. */
export const refundReview = defineWorkflow<RefundRequest>(
  { id: "refund-review", version: 1, minutesPerCase: 25, triggers: [] },
  async ({ input, step }) => {
    const claim = await step.run("load-claim", () => ({ charge: input.charge, amount: input.amount }));
    const channel = email().channel({
      from: "support@crossflow.test",
      to: input.email,
      subject: `Your refund of ${claim.amount / 100} EUR`,
    });
    const reply = await step.ask("confirm", channel, "Please reply YES to confirm the refund to your card.", {
      timeout: "48h",
      remindAfter: "24h",
    });
    if (!reply) {
      return step.escalate("no-reply", {
        reason: "customer did not confirm within 48h",
        proposedAction: `refund ${claim.amount} cents`,
        evidence: claim,
        queue: "support-leads",
        sla: "4h",
      });
    }
    const approval = await step.approve("refund-approval", {
      title: `Refund ${claim.amount / 100} EUR`,
      approvals: 2,
      requestedBy: "agent-refunds",
      proposedAction: "refund in full",
      timeout: "24h",
    });
    if (!approval.approved) return step.resolve(`refund-${approval.outcome}`);
    const refund = await step.run("refund", (ctx) =>
      stripe().refund({ charge: claim.charge, amount: claim.amount }, ctx),
    );
    return step.resolve("refunded", { refund: refund.id });
  },
);

/** How the next `refund-once` attempt misbehaves after its call has reached Stripe. */
export const crashAfterCall = { mode: null as null | "throw" | "unrecordable" };

/** One refund; the test makes the object fail between the call and its record. */
export const refundOnce = defineWorkflow<RefundRequest>(
  { id: "refund-once", version: 1, minutesPerCase: 5, triggers: [] },
  async ({ input, step }) => {
    const refund = await step.run(
      "refund",
      async (ctx) => {
        const result = await stripe().refund({ charge: input.charge, amount: input.amount }, ctx);
        const mode = crashAfterCall.mode;
        crashAfterCall.mode = null;
        if (mode === "throw") throw new Error("worker died after the refund call");
        // A value storage cannot record: the transaction that would record the step fails, as in a crash.
        if (mode === "unrecordable") return { ...result, size: 1n } as unknown as typeof result;
        return result;
      },
      { retries: 2, initialDelay: 0 },
    );
    return step.resolve("refunded", { refund: refund.id });
  },
);

export interface DisputeInput extends RefundRequest {
  message: string;
  /** Which mock model the triage step uses (`mock:<name>`). */
  model: string;
}

/** How the next `refund` action call misbehaves after Stripe took it (to crash the case after the model's turn). */
export const refundActionCrash = { mode: null as null | "unrecordable" };

const Triage = z.object({
  decision: z.enum(["refund", "deny", "need-details", "escalate"]),
  confidence: z.number().min(0).max(1),
  rationale: z.string(),
});

/** An agent decides a refund dispute with guardrails: refunds capped at 100 EUR, over 50 EUR only with approval. */
export const refundDispute = defineWorkflow<DisputeInput>(
  { id: "agent-dispute", version: 1, minutesPerCase: 25, triggers: [] },
  async ({ input, step, agent }) => {
    const triage = await agent("triage", {
      instructions:
        "You resolve card refund disputes for Acme. Check the charge, then refund, deny or ask for details.",
      promptVersion: "2026-11-1",
      context: {
        charge: input.charge,
        amount: input.amount,
        currency: "eur",
        customer: input.email,
        iban: "DE89370400440532013000",
      },
      data: [{ label: "customer message", text: input.message }],
      decision: Triage,
      redact: ["iban"],
      tools: {
        lookupCharge: {
          description: "Look up a charge by id",
          inputSchema: z.object({ charge: z.string() }),
          readOnly: true,
          execute: ({ charge }) => ({ charge, amount: input.amount, status: "succeeded", disputed: true }),
        },
        refund: guardedTool({
          description: "Refund a charge (amount in cents)",
          inputSchema: z.object({ charge: z.string(), amount: z.number().int().positive(), currency: z.string() }),
          limit: (r) =>
            r.amount > 10_000
              ? `amount ${r.amount} is over the cap of 10000`
              : !["eur", "usd"].includes(r.currency.toLowerCase())
                ? `currency ${r.currency} is not allowed`
                : null,
          needsApproval: (r) => r.amount > 5_000,
          execute: async (r, ctx) => {
            const refund = await stripe().refund({ charge: r.charge, amount: r.amount }, ctx);
            const mode = refundActionCrash.mode;
            refundActionCrash.mode = null;
            return mode === "unrecordable" ? ({ ...refund, size: 1n } as unknown as typeof refund) : refund;
          },
        }),
        closeTicket: {
          description: "Close the support ticket",
          inputSchema: z.object({ note: z.string() }),
          execute: () => ({ closed: true }),
        },
      },
      allowedTools: ["lookupCharge", "refund"],
      guardrails: { minConfidence: 0.8, maxToolCalls: 4, maxTokens: 5_000 },
      heuristics: ({ context }) => ({
        decision: "refund" as const,
        confidence: 0.9,
        rationale: "duplicate charge",
        calls: [{ tool: "refund", input: { charge: context.charge, amount: context.amount, currency: "eur" } }],
      }),
      escalation: { queue: "disputes", sla: "4h" },
      model: input.model,
    });
    return step.resolve(triage.decision, { results: triage.results });
  },
);

/** How many of the next SLA notices of `sla-review` fail before the Slack call (to test the notice's retries). */
export const slaNoticeFaults = { remaining: 0 };

/**
 * People's tasks with SLAs, next queues and notices through the product's Slack and email connectors (the simulators):
 * an escalation to `reviews` (4 h, then `review-leads` for 2 h) told in Slack by the workflow's notifier, an approval
 * (2 h, then `review-leads`) told by email to the leads' address.
 */
export const slaReview = defineWorkflow<{ task: "escalate" | "approve" }>(
  {
    id: "sla-review",
    version: 1,
    minutesPerCase: 20,
    triggers: [],
    sla: "4h",
    slaNotify: (config) => {
      const slack = slackSlaNotice(config, { channel: "#review-leads" });
      return {
        name: slack.name,
        send: (notice, ctx) => {
          if (slaNoticeFaults.remaining-- > 0) throw new Error("slack unreachable");
          return slack.send(notice, ctx);
        },
      };
    },
  },
  async ({ input, step, config }) => {
    await step.run("load", () => input.task);
    if (input.task === "approve") {
      const approval = await step.approve("sign-off", {
        title: "Sign off the refund of 240 EUR",
        queue: "approvals",
        sla: "2h",
        timeout: "48h",
        then: { queue: "review-leads" },
        slaNotify: emailSlaNotice(config, { to: "review-leads@example.com" }),
      });
      return step.resolve(approval.approved ? "signed-off" : `sign-off-${approval.outcome}`);
    }
    return step.escalate("review", {
      reason: "the refund needs a person's review",
      queue: "reviews",
      then: { queue: "review-leads", sla: "2h" },
    });
  },
);

export const TEST_WORKFLOWS: readonly WorkflowDefinition[] = [refundReview, refundOnce, refundDispute, slaReview];
