/**
 * The workflows' declared autonomy ladders, and the scheduled judgment of every declared action's evidence
 * (`evaluateAutonomy`): the metrics writer already judges each action it writes evidence for; this catches up on
 * actions whose evidence came from case objects that did not report their rule, and on an error spike that grew
 * without new evidence of the action itself (a case that errored after the agent acted alone).
 */
import type { MetricsDatabase } from "../../db/client.ts";
import type { AutonomyRule, AutonomyVerdict } from "../../db/rollouts/autonomy.ts";
import { reviewAutonomy } from "../../db/rollouts/autonomy-store.ts";
import type { AutonomyDeclaration, WorkflowDefinition } from "../engine/index.ts";
import { log } from "../observability/index.ts";
import { WORKFLOWS } from "../workflows/index.ts";
import { forgetAutonomyLevels } from "./autonomy-levels.ts";

/** The rule a declaration's evidence is judged by. */
export function ruleOf(d: AutonomyDeclaration): AutonomyRule {
  return {
    rungs: d.ladder.length,
    start: Math.min(d.start, d.ladder.length - 1),
    promoteAfter: d.promoteAfter,
    demoteOn: d.demoteOn ?? {},
  };
}

/**
 * Each workflow's declared actions, from its newest version that declares them (levels are per workflow and action,
 * across versions: the ladder in force is the newest one).
 * @example declaredAutonomy(WORKFLOWS, "refund-dispute") // → [{ action: "refund", ladder: [...], ... }]
 */
export function declaredAutonomy(workflows: readonly WorkflowDefinition[], workflowId: string): AutonomyDeclaration[] {
  const byAction = new Map<string, AutonomyDeclaration>();
  const versions = workflows.filter((w) => w.id === workflowId).sort((a, b) => b.version - a.version);
  for (const w of versions) for (const d of w.autonomy ?? []) if (!byAction.has(d.action)) byAction.set(d.action, d);
  return [...byAction.values()];
}

export interface AutonomyReview {
  workflowId: string;
  action: string;
  verdict: AutonomyVerdict;
  applied: boolean;
}

/**
 * Judges every declared action's evidence and records what it calls for (a proposal, a demotion). For the scheduled
 * check (Worker cron, Deno cron); one action's failure is logged and the others still judged.
 * @example const reviews = await evaluateAutonomy(db, Date.now());
 */
export async function evaluateAutonomy(
  db: MetricsDatabase,
  now: number,
  workflows: readonly WorkflowDefinition[] = WORKFLOWS,
): Promise<AutonomyReview[]> {
  const reviews: AutonomyReview[] = [];
  for (const workflowId of new Set(workflows.map((w) => w.id))) {
    for (const declaration of declaredAutonomy(workflows, workflowId)) {
      try {
        const { applied, ...verdict } = await reviewAutonomy(
          db,
          { workflowId, action: declaration.action, rule: ruleOf(declaration) },
          now,
        );
        reviews.push({ workflowId, action: declaration.action, verdict, applied });
      } catch (error) {
        log.error("autonomy: judging an action's evidence failed", { workflowId, action: declaration.action, error });
      }
    }
  }
  if (reviews.some((r) => r.applied)) forgetAutonomyLevels();
  return reviews;
}
