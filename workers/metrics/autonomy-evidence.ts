/**
 * After a metric write: the autonomy evidence the batches carried is judged at once for each workflow action it
 * touched, so a rejection demotes within one write and a proposal appears as soon as the sample holds. A failure
 * here never fails the write (the evidence is stored; the scheduled check, `evaluateAutonomy`, judges it again).
 */
import type { MetricsDatabase } from "../../db/client.ts";
import type { AutonomyRule } from "../../db/rollouts/autonomy.ts";
import { reviewAutonomy } from "../../db/rollouts/autonomy-store.ts";
import { log } from "../observability/index.ts";
import { forgetAutonomyLevels } from "../rollouts/autonomy-levels.ts";

/**
 * @example await reviewTouchedActions(db, reportedOutcomes(batches).touched, Date.now());
 */
export async function reviewTouchedActions(
  db: MetricsDatabase,
  touched: ReadonlyMap<string, { workflowId: string; action: string; rule: AutonomyRule | null }>,
  now: number,
): Promise<void> {
  let changed = false;
  for (const { workflowId, action, rule } of touched.values()) {
    // Reported without its ladder's rule (an older case object): left to the scheduled check, which has the declarations.
    if (!rule) continue;
    try {
      const verdict = await reviewAutonomy(db, { workflowId, action, rule }, now);
      if (verdict.applied && verdict.kind !== "hold") {
        changed = true;
        const what = verdict.kind === "withdraw" ? "proposal withdrawn" : `${verdict.kind}d to level ${verdict.to}`;
        log.info(`autonomy: ${workflowId} ${action}: ${what}`, { reason: verdict.reason });
      }
    } catch (error) {
      log.error("autonomy: judging the evidence failed; the scheduled check will judge it again", {
        workflowId,
        action,
        error,
      });
    }
  }
  if (changed) forgetAutonomyLevels();
}
