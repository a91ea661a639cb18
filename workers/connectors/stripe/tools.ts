/**
 * Stripe as agent tools: the shape of AI SDK tools (description, zod `inputSchema`, `execute`) as `GuardedTool`s,
 * which the agent step wraps in AI SDK `tool()` with its guardrails; a workflow adds the case's limits
 * (`limit`, `needsApproval`) before handing them over. Exported raw `tool()`s would let a call skip the guardrails.
 */
import { z } from "zod";
import type { GuardedTool } from "../../agent/types.ts";
import { stripeClient, stripeConfig } from "./client.ts";

export function stripeTools(config: Readonly<Record<string, unknown>>) {
  const stripe = () => stripeClient(stripeConfig(config));
  return {
    /** @example tools: { lookupCharge: stripeTools(config).lookupCharge } */
    lookupCharge: {
      description: "Look up a Stripe charge by id (ch_…)",
      inputSchema: z.object({ charge: z.string() }),
      readOnly: true,
      execute: ({ charge }) => stripe().getCharge(charge),
    } satisfies GuardedTool<{ charge: string }>,
    /** @example tools: { refund: { ...stripeTools(config).refund, limit, needsApproval: (r) => r.amount > 5_000 } } */
    refund: {
      description: "Refund a Stripe charge; amount in the smallest currency unit",
      inputSchema: z.object({ charge: z.string(), amount: z.number().int().positive(), currency: z.string() }),
      execute: (r, ctx) =>
        stripe().refund({ charge: r.charge, amount: r.amount, reason: "requested_by_customer" }, ctx),
    } satisfies GuardedTool<{ charge: string; amount: number; currency: string }>,
  };
}
