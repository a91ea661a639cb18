/**
 * What a case reports about its consequential actions, for the autonomy evidence (`action_outcomes`): the action's
 * tag (action, performing step, level in force, amount) and the rule of the ladder it was taken under, so the
 * metrics writer can weigh the evidence against the rule in force when the case acted, without the deployment's code.
 */
import type { AutonomyDeclaration, AutonomyTag } from "../engine/index.ts";

/** A workflow's declared ladders (its header's `autonomy`). */
export interface DeclaresAutonomy {
  autonomy?: readonly AutonomyDeclaration[];
}

/**
 * The metric detail's `autonomy` for an action: its tag, the outcome, and its ladder's rule.
 * @example autonomyReport({ action: "refund", step: "triage:refund:c1", level: 1, rung: "alone up to 50", amount: 3000 }, "alone", workflow)
 */
export function autonomyReport(
  tag: AutonomyTag,
  outcome: "alone" | "approved" | "rejected",
  workflow: DeclaresAutonomy | undefined,
): Record<string, unknown> {
  const declared = workflow?.autonomy?.find((a) => a.action === tag.action);
  const rule = declared
    ? {
        rungs: declared.ladder.length,
        start: declared.start,
        promoteAfter: declared.promoteAfter,
        demoteOn: declared.demoteOn ?? {},
      }
    : undefined;
  return { ...tag, outcome, ...(rule ? { rule } : {}) };
}

/** The tag an action taken alone left in its step's audit entries (`autonomy.alone`), if any. */
export function aloneTag(entries: readonly { action: string; detail: Record<string, unknown> }[] | undefined) {
  const entry = entries?.find((e) => e.action === "autonomy.alone");
  return entry ? (entry.detail as unknown as AutonomyTag) : null;
}
