import { parseDuration } from "./duration.ts";
import type { Duration, Outcome, SlaNotifier, SomeTrigger, WorkflowContext, WorkflowDefinition } from "./types.ts";

export interface WorkflowHeader {
  id: string;
  version: number;
  minutesPerCase: number;
  /** What one human decision (approval, escalation, retry) costs a person; default `minutesPerCase`. */
  minutesPerDecision?: number;
  /** Step ids on the normal path, not exceptions (for the exception-rate and exception-mix KPIs). */
  routineSteps?: readonly string[];
  /** The systems it works across (CRM, billing, ...): the readiness view's "systems involved" factor. */
  systems?: readonly string[];
  /** Typed from each source's events schema, e.g. `zendeskWebhooks.on("ticket.created", { caseKey: (e) => … })`. */
  triggers: readonly SomeTrigger[];
  /** An opening event for a key whose case ended: `new-case` (default) or `dead-letter` (see WorkflowDefinition). */
  afterEnd?: "new-case" | "dead-letter";
  /** How soon a person must act on this workflow's escalations and approvals unless a step says otherwise. */
  sla?: Duration;
  /**
   * Who is told when an escalation or approval passes its SLA (unless the step names its own `slaNotify`), built
   * from the deployment's configuration, e.g. `(config) => slackSlaNotice(config, { channel: "#refund-leads" })`.
   */
  slaNotify?: (config: Readonly<Record<string, unknown>>) => SlaNotifier;
}

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
