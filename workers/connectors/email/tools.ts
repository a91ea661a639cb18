/** Email as an agent tool (a `GuardedTool`, wrapped in AI SDK `tool()` with guardrails by the agent step). */
import { z } from "zod";
import type { GuardedTool } from "../../agent/types.ts";
import { emailClient, emailConfig } from "./client.ts";

export function emailTools(config: Readonly<Record<string, unknown>>) {
  return {
    /** @example tools: { sendEmail: { ...emailTools(config).sendEmail, limit: (m) => (m.to === customer ? null : "only the case's customer") } } */
    sendEmail: {
      description: "Send the customer a plain-text email",
      inputSchema: z.object({ to: z.string().email(), subject: z.string().min(1).max(200), text: z.string().min(1).max(10_000) }),
      execute: (m, ctx) => {
        const settings = emailConfig(config);
        return emailClient(settings).send({ from: settings.from, ...m }, ctx);
      },
    } satisfies GuardedTool<{ to: string; subject: string; text: string }>,
  };
}
