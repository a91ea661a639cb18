/**
 * Who may decide from Slack: `SLACK_APPROVERS` maps Slack user ids to Crossflow approvers (their id in the audit
 * trail and their roles), declared as configuration, e.g.
 * `{"U0ANA": {"id": "ana@ops", "roles": ["operator"]}}`. `SLACK_TEAM_ID`, when set, is the only workspace whose
 * clicks count. A user not listed decides nothing.
 */
import { z } from "zod";
import type { HumanActor } from "../../engine/index.ts";

const Approvers = z.record(
  z.string().regex(/^[UW][A-Z0-9]{2,}$/, "keys are Slack user ids (U…/W…)"),
  z.object({ id: z.string().min(1).max(200), roles: z.array(z.string().min(1).max(50)).max(20) }).strict(),
);

/**
 * The approver a Slack user is, or why they are none.
 * @example slackApprover(config, { slackUser: "U0ANA", team: "T0ACME" }) // → { actor: { id: "ana@ops", roles: ["operator"] } }
 */
export function slackApprover(
  config: Readonly<Record<string, unknown>>,
  who: { slackUser: string; team: string | null },
): { actor: HumanActor } | { refused: string } {
  const team = typeof config.SLACK_TEAM_ID === "string" && config.SLACK_TEAM_ID ? config.SLACK_TEAM_ID : null;
  if (team && who.team !== team)
    return { refused: `the click came from Slack workspace ${who.team ?? "unknown"}, not ${team}` };
  const raw = config.SLACK_APPROVERS;
  let value: unknown = raw ?? {};
  if (typeof raw === "string") {
    try {
      value = raw.trim() ? JSON.parse(raw) : {};
    } catch {
      // Unreadable configuration approves nobody; the refusal says where to look.
      return { refused: "SLACK_APPROVERS is not valid JSON" };
    }
  }
  const approvers = Approvers.safeParse(value);
  if (!approvers.success) return { refused: `SLACK_APPROVERS is invalid: ${z.prettifyError(approvers.error)}` };
  const approver = approvers.data[who.slackUser];
  return approver
    ? { actor: approver }
    : { refused: `Slack user ${who.slackUser} is not a declared approver (SLACK_APPROVERS)` };
}
