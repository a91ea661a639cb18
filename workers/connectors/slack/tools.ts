/** Slack as an agent tool (a `GuardedTool`, wrapped in AI SDK `tool()` with guardrails by the agent step). */
import { z } from "zod";
import type { GuardedTool } from "../../agent/types.ts";
import { slackClient, slackConfig } from "./client.ts";

export function slackTools(config: Readonly<Record<string, unknown>>) {
  return {
    /** @example tools: { notifyTeam: { ...slackTools(config).postMessage, limit: (m) => (m.channel === "#refunds" ? null : "only #refunds") } } */
    postMessage: {
      description: "Post a message to a Slack channel (#name or id)",
      inputSchema: z.object({ channel: z.string().min(1), text: z.string().min(1).max(3_000) }),
      execute: (m, ctx) => slackClient(slackConfig(config)).postMessage(m, ctx),
    } satisfies GuardedTool<{ channel: string; text: string }>,
  };
}
