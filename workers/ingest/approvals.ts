/**
 * A person's decision that arrived as a verified delivery (a Slack click on an approval message, read by its source's
 * `decision` hook) is carried out on the waiting case, through the same checks as the case API's decisions (role,
 * two-person rule, no self-approval, one decision per person, the wait still open). A sender's user its source maps
 * to no approver (Slack: not in `SLACK_APPROVERS`) is refused with 403 `not_authorized`, audited in the case as
 * `human.decision_refused`.
 */
import type { CaseDirectory } from "../case/directory.ts";
import { caseId } from "../engine/index.ts";
import { ApiError } from "../errors.ts";
import type { DeliveredDecision } from "../webhooks/index.ts";

/** What a decision needs of the platform's cases. */
export type ApprovalCases = Pick<CaseDirectory, "decide" | "refuseAction">;

/**
 * The answer to a delivered decision (200: Slack wants its interactions acknowledged with 200), or the refusal thrown
 * as an `ApiError`.
 * @example const decision = source.decision?.(deliveries, env); if (decision) return c.json(await carryOutDecision(platform, decision));
 */
export async function carryOutDecision(
  platform: { cases: ApprovalCases },
  decision: DeliveredDecision,
): Promise<Record<string, unknown>> {
  // The case whose message was clicked (a message from before cases were numbered is the key's first): never the
  // key's later case, which may wait on a step of the same name for a different amount.
  const id = caseId(decision.workflow, decision.caseKey, decision.seq ?? 1);
  const notFound = () =>
    new ApiError(404, "case_not_found", `no case ${decision.caseKey} in workflow ${decision.workflow}`);
  const { by } = decision;
  if ("refused" in by) {
    const audited = await platform.cases.refuseAction(id, by.actorId, { code: "not_authorized", message: by.refused });
    if (!audited) throw notFound();
    throw new ApiError(403, "not_authorized", by.refused);
  }
  const result = await platform.cases.decide(id, {
    id: decision.id,
    stepId: decision.step,
    decision: decision.decision,
    actor: by.actor,
    note: decision.note,
  });
  if (!result) throw notFound();
  if (result.status === "refused")
    throw new ApiError(result.refusal.status, result.refusal.code, result.refusal.message);
  return {
    accepted: true,
    duplicate: result.status === "duplicate",
    decision: decision.decision,
    step: decision.step,
    actor: by.actor.id,
  };
}
