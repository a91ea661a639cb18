/** HubSpot as agent tools (`GuardedTool`s, wrapped in AI SDK `tool()` with guardrails by the agent step). */
import { z } from "zod";
import type { GuardedTool } from "../../agent/types.ts";
import { hubspotClient, hubspotConfig } from "./client.ts";

export function hubspotTools(config: Readonly<Record<string, unknown>>) {
  const hubspot = () => hubspotClient(hubspotConfig(config));
  return {
    /** @example tools: { lookupDeal: hubspotTools(config).lookupDeal } */
    lookupDeal: {
      description: "Read a HubSpot deal (name, stage, plan) and the id of its contact",
      inputSchema: z.object({ dealId: z.string().regex(/^\d+$/) }),
      readOnly: true,
      execute: ({ dealId }) => hubspot().getDeal(dealId, ["dealname", "dealstage", "plan"]),
    } satisfies GuardedTool<{ dealId: string }>,
    /** A note on a contact; `at` comes from the case, so a retried call sends the same request. */
    addNote: {
      description: "Add a note to a HubSpot contact",
      inputSchema: z.object({ contactId: z.string().regex(/^\d+$/), body: z.string().min(1).max(5_000), at: z.number().int() }),
      execute: (n, ctx) => hubspot().addNote(n.contactId, n.body, n.at, ctx),
    } satisfies GuardedTool<{ contactId: string; body: string; at: number }>,
  };
}
