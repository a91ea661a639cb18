/**
 * A verified Slack click on an approval message becomes a person's decision on the waiting case, through the
 * same checks as the case API's decisions (role, two-person rule, no self-approval, one decision per person,
 * the wait still open). The Slack user must be a declared approver (`SLACK_APPROVERS`); anyone else is refused
 * with 403 `not_authorized`, audited in the case as `human.decision_refused`.
 */
import type { DecisionInput, DecisionResult } from "../case/runtime.ts";
import { slackApprover } from "../connectors/slack/approvers.ts";
import { approvalClick } from "../connectors/slack/events.ts";
import { caseId } from "../engine/index.ts";
import { ApiError } from "../errors.ts";
import type { Delivery } from "../webhooks/source.ts";

/** What a click needs of the platform's case objects (the HTTP layer's platform port provides them). */
export interface ApprovalCases {
  decide(caseId: string, input: DecisionInput): Promise<DecisionResult | null>;
  refuseAction(caseId: string, actorId: string | null, refusal: { code: string; message: string }): Promise<boolean>;
}

/**
 * The answer to a delivery that is an approval click (200 for Slack, which wants its interactions acknowledged
 * with 200), or null when the delivery is something else and is routed as usual.
 * @example const answer = await decideFromSlack(platform, env, delivery); if (answer) return c.json(answer);
 */
export async function decideFromSlack(platform: { cases: ApprovalCases }, config: Readonly<Record<string, unknown>>, delivery: Delivery): Promise<Record<string, unknown> | null> {
  const click = approvalClick(delivery.payload);
  if (!click) return null;
  // The case whose message was clicked (a message from before cases were numbered is the key's first): never the
  // key's later case, which may wait on a step of the same name for a different amount.
  const id = caseId(click.workflow, click.caseKey, click.seq ?? 1);
  const notFound = () => new ApiError(404, "case_not_found", `no case ${click.caseKey} in workflow ${click.workflow}`);
  const approver = slackApprover(config, click);
  if ("refused" in approver) {
    const audited = await platform.cases.refuseAction(id, `slack:${click.slackUser}`, { code: "not_authorized", message: approver.refused });
    if (!audited) throw notFound();
    throw new ApiError(403, "not_authorized", approver.refused);
  }
  const result = await platform.cases.decide(id, { id: `slack:${click.triggerId}`, stepId: click.step, decision: click.decision, actor: approver.actor, note: `from Slack (${click.slackUser})` });
  if (!result) throw notFound();
  if (result.status === "refused") throw new ApiError(result.refusal.status, result.refusal.code, result.refusal.message);
  return { accepted: true, duplicate: result.status === "duplicate", decision: click.decision, step: click.step, actor: approver.actor.id };
}
