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
  return { ...header, body };
}
