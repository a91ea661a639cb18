/** Service activation as an agent tool (a `GuardedTool`, wrapped in AI SDK `tool()` with guardrails by the agent step). */
import { z } from "zod";
import type { GuardedTool } from "../../agent/types.ts";
import { provisioningClient, provisioningConfig } from "./client.ts";

export function provisioningTools(config: Readonly<Record<string, unknown>>) {
  return {
    /** @example tools: { activate: { ...provisioningTools(config).activate, needsApproval: true } } */
    activate: {
      description: "Start activating a customer's service (confirmed later by the provisioning system's webhook)",
      inputSchema: z.object({ customer: z.object({ email: z.string().email(), name: z.string().optional() }), plan: z.string().min(1), market: z.string().min(1) }),
      execute: (r, ctx) => provisioningClient(provisioningConfig(config)).activate(r, ctx),
    } satisfies GuardedTool<{ customer: { email: string; name?: string }; plan: string; market: string }>,
  };
}
