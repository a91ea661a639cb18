/**
 * Progressive autonomy at the tool-call boundary: a guarded tool that names its action's ladder asks a person or acts
 * alone as the rung in force says, not as a fixed rule. The level is read once, when the model's turn runs, and kept
 * in the turn's transcript, so a replay decides as the first run did and never reads the level again.
 */
import type { AutonomyDeclaration, AutonomyRung, AutonomyTag } from "../engine/types.ts";
import type { AgentDecision, AgentSpec, AutonomyLevels, GuardedTool } from "./types.ts";

/** The level in force per action, as the turn read it (actions the step's tools declare, nothing else). */
export type LevelsInForce = Readonly<Record<string, number>>;

/** A level inside the ladder: a row naming a rung the ladder no longer has stays on its top rung. */
export function clampLevel(declaration: AutonomyDeclaration, level: number): number {
  const top = declaration.ladder.length - 1;
  return Math.max(0, Math.min(top, Number.isInteger(level) ? level : declaration.start));
}

/**
 * Reads the level in force of each action the step's tools declare; an action never changed (or a deployment with no
 * database) is on its declared start.
 * @example await levelsInForce(spec, "refund-dispute", reader) // → { refund: 1 }
 */
export async function levelsInForce<D extends AgentDecision>(
  spec: AgentSpec<D>,
  workflowId: string,
  read: AutonomyLevels | undefined,
): Promise<LevelsInForce> {
  const levels: Record<string, number> = {};
  for (const tool of Object.values(spec.tools ?? {})) {
    const declared = tool.autonomy?.ladder;
    if (!declared || declared.action in levels) continue;
    const stored = read ? await read(workflowId, declared.action) : null;
    levels[declared.action] = clampLevel(declared, stored ?? declared.start);
  }
  return levels;
}

/** Whether a rung lets the agent act alone on an action of `amount` (an action without an amount: only `true`). */
export function aloneAt(rung: AutonomyRung, amount: number | undefined): boolean {
  if (typeof rung.alone === "boolean") return rung.alone;
  return amount !== undefined && amount <= rung.alone.upTo;
}

/**
 * For a tool with a ladder: whether the call needs a person at the level in force, and the tag its evidence carries.
 * Null for a tool without one (its own `needsApproval` decides).
 */
export function autonomyOf(
  tool: GuardedTool,
  input: unknown,
  levels: LevelsInForce,
  step: string,
): { needsApproval: boolean; tag: AutonomyTag } | null {
  if (!tool.autonomy) return null;
  const { ladder, amount: amountOf } = tool.autonomy;
  const level = levels[ladder.action] ?? clampLevel(ladder, ladder.start);
  const rung = ladder.ladder[level]!;
  const amount = amountOf?.(input);
  const tag: AutonomyTag = {
    action: ladder.action,
    step,
    level,
    rung: rung.name,
    ...(amount !== undefined ? { amount } : {}),
  };
  return { needsApproval: !aloneAt(rung, amount), tag };
}
