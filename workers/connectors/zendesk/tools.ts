/** Zendesk as an agent tool (a `GuardedTool`, wrapped in AI SDK `tool()` with guardrails by the agent step). */
import { z } from "zod";
import type { GuardedTool } from "../../agent/types.ts";
import { zendeskClient, zendeskConfig } from "./client.ts";

export function zendeskTools(config: Readonly<Record<string, unknown>>) {
  return {
    /** @example tools: { reply: zendeskTools(config).reply } */
    reply: {
      description: "Reply publicly on a Zendesk ticket, optionally setting its status",
      inputSchema: z.object({ ticketId: z.string(), body: z.string().min(1).max(10_000), status: z.enum(["open", "pending", "solved"]).optional() }),
      execute: (r, ctx) => zendeskClient(zendeskConfig(config)).reply(r.ticketId, r.body, { status: r.status }, ctx),
    } satisfies GuardedTool<{ ticketId: string; body: string; status?: "open" | "pending" | "solved" }>,
  };
}
