/**
 * `step.policy`: the version of a declared policy in force when the case first reads it, recorded as a step of its
 * own so the case keeps it (a change applies to the cases that read it later) and a replay sees the same rules.
 *
 * A workflow version may start reading a policy whose defaults are the constants it had (turning a constant into
 * data needs no new version): a case that began before, whose journal has another step where the read now stands,
 * runs on under the defaults (version 0, what it was built with), without a record, so its replay still matches.
 */
import { FatalError } from "../errors.ts";
import type { Replay } from "../replay.ts";
import type { PolicyDeclaration, PolicyRead, StepApi } from "../types/workflow.ts";
import { runOnce } from "./run.ts";

/** How the audit names a policy version, e.g. `refund-limits@3` (`@0`: the declared defaults). */
export const policyLabel = (read: { name: string; version: number }) => `${read.name}@${read.version}`;

/**
 * Checks a value against a policy's declaration: the value as parsed, or the problems in words, one per field (from a
 * zod schema's issues; another schema's error message otherwise). What the case API and the dashboard check an edit with.
 * @example checkPolicy(REFUND_LIMITS, { capMinor: -1 }) // → { ok: false, problems: ["capMinor: Too small: expected number to be >=100", ...] }
 */
export function checkPolicy<T>(
  declaration: PolicyDeclaration<T>,
  value: unknown,
): { ok: true; value: T } | { ok: false; problems: string[] } {
  try {
    return { ok: true, value: declaration.schema.parse(value) };
  } catch (error) {
    const issues = (error as { issues?: { path?: PropertyKey[]; message?: string }[] } | null)?.issues;
    if (Array.isArray(issues) && issues.length > 0)
      return {
        ok: false,
        problems: issues.map((i) => {
          const path = (i.path ?? []).map(String).join(".");
          return path ? `${path}: ${i.message}` : String(i.message);
        }),
      };
    return { ok: false, problems: [error instanceof Error ? error.message : String(error)] };
  }
}

/**
 * Checks a stored version against the declaration (a schema may have grown since it was saved): its parsed value,
 * or a FatalError that hands the step to a person rather than deciding under rules nobody checked.
 */
function parseStored<T>(declaration: PolicyDeclaration<T>, version: number, value: unknown): T {
  try {
    return declaration.schema.parse(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FatalError(
      `policy ${policyLabel({ name: declaration.name, version })} does not match its declaration: ${reason}`,
    );
  }
}

export const policyStep =
  (r: Replay): StepApi["policy"] =>
  async <T>(declaration: PolicyDeclaration<T>) => {
    const id = `policy:${declaration.name}`;
    const recorded = r.completed[r.position];
    if (recorded && recorded.id !== id) {
      r.claim(id);
      return { name: declaration.name, version: 0, value: declaration.defaults };
    }
    return runOnce<PolicyRead<T>>(
      r,
      id,
      "run",
      async () => {
        const { name } = declaration;
        if (!r.workflow.policies?.some((p) => p.name === name))
          throw new FatalError(`workflow ${r.workflow.id} does not declare the policy "${name}"`);
        const stored = r.policies ? await r.policies.inForce(r.workflow.id, name) : null;
        if (!stored) return { name, version: 0, value: declaration.defaults };
        return { name, version: stored.version, value: parseStored(declaration, stored.version, stored.value) };
      },
      // The store is read through a cache that answers at once; a read fails only when the store is down and this
      // isolate has never read it. The case then waits for the store (backing off to 5 min, 22 to 44 min in all with
      // the jitter, as the metrics queue waits for the same database) rather than handing a routine decision to a person.
      { retries: 15, initialDelay: "2s", maxDelay: "5m" },
      (read) => ({ entries: [{ action: "policy.read", detail: { policy: policyLabel(read), value: read.value } }] }),
    );
  };
