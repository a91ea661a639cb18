import { parseDuration } from "./duration.ts";
import type { Outcome, WorkflowContext, WorkflowDefinition, WorkflowHeader } from "./types.ts";

export type { WorkflowHeader };

/**
 * Declares a workflow: a header the router and the metrics read, and a body where every effect is a named step.
 * @example
 * export default defineWorkflow(
 *   { id: "issue-triage", version: 1, minutesPerCase: 4, triggers: [githubIssues] },
 *   async ({ input, step }) => step.resolve("triaged", await step.run("classify", () => classify(input))),
 * );
 */
export function defineWorkflow<I>(
  header: WorkflowHeader,
  body: (ctx: WorkflowContext<I>) => Promise<Outcome>,
): WorkflowDefinition<I> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(header.id)) throw new TypeError(`workflow id "${header.id}" must be kebab-case`);
  if (!Number.isInteger(header.version) || header.version < 1)
    throw new TypeError(`workflow ${header.id}: version must be a positive integer`);
  if (header.sla !== undefined) parseDuration(header.sla); // a malformed SLA fails at deploy, not in a case
  if (header.satisfaction) {
    // A survey that cannot be timed or asked fails at deploy, not after the first case resolves.
    parseDuration(header.satisfaction.wait);
    if (!header.satisfaction.question.en?.trim())
      throw new TypeError(`workflow ${header.id}: the satisfaction survey needs its question in English (en)`);
  }
  const actions = new Set<string>();
  for (const a of header.autonomy ?? []) {
    // A ladder that cannot be climbed or judged fails at deploy, not when the first evidence arrives.
    const problem = actions.has(a.action)
      ? "is declared twice"
      : a.ladder.length === 0
        ? "has an empty ladder"
        : !Number.isInteger(a.start) || a.start < 0 || a.start >= a.ladder.length
          ? `starts on rung ${a.start}, which its ladder lacks`
          : !Number.isInteger(a.promoteAfter.cases) || a.promoteAfter.cases < 1
            ? "needs promoteAfter.cases ≥ 1"
            : !(a.promoteAfter.agreement >= 0 && a.promoteAfter.agreement <= 1)
              ? "needs promoteAfter.agreement in [0, 1]"
              : null;
    if (problem) throw new TypeError(`workflow ${header.id}: autonomy of "${a.action}" ${problem}`);
    actions.add(a.action);
  }
  return { ...header, body };
}
