/** SMS as an agent tool (a `GuardedTool`, wrapped in AI SDK `tool()` with guardrails by the agent step). */
import { z } from "zod";
import type { GuardedTool } from "../../agent/types.ts";
import { e164, twilioClient, twilioConfig } from "./client.ts";

export function twilioTools(config: Readonly<Record<string, unknown>>) {
  return {
    /** @example tools: { sendSms: { ...twilioTools(config).sendSms, limit: (m) => (e164(m.to) === phone ? null : "only the case's customer") } } */
    sendSms: {
      description: "Text the customer (E.164 number, at most 1600 characters)",
      inputSchema: z.object({
        to: z.string().refine((n) => e164(n) !== null, "an E.164 number like +4915112345678"),
        body: z.string().min(1).max(1600),
      }),
      execute: (m, ctx) => twilioClient(twilioConfig(config)).sendSms({ to: e164(m.to)!, body: m.body }, ctx),
    } satisfies GuardedTool<{ to: string; body: string }>,
  };
}
