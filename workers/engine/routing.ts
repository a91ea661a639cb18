import type { Trigger, WorkflowDefinition } from "./types.ts";

export interface Route {
  workflow: WorkflowDefinition;
  trigger: Trigger;
  caseKey: string;
  opens: boolean;
}

/**
 * Every workflow case an event belongs to, from the triggers the workflows declare (an event may concern
 * several workflows). A trigger whose predicate or case-key extractor throws on an odd payload simply does
 * not match: payloads are the sender's data, not ours.
 * @example
 * routeEvent(WORKFLOWS, "github", "issues.opened", payload)[0]?.caseKey // → "github:acme/api#42"
 */
export function routeEvent(workflows: readonly WorkflowDefinition[], source: string, type: string, payload: unknown): Route[] {
  const routes: Route[] = [];
  for (const workflow of workflows) {
    for (const trigger of workflow.triggers) {
      if (trigger.source !== source || !trigger.events.includes(type)) continue;
      let caseKey: string | null | undefined;
      try {
        if (trigger.when && !trigger.when(payload)) continue;
        caseKey = trigger.caseKey(payload);
      } catch {
        // An extractor that trips over an unexpected payload shape means "not this trigger".
        continue;
      }
      if (typeof caseKey === "string" && caseKey.length > 0) {
        routes.push({ workflow, trigger, caseKey, opens: trigger.opens ?? true });
        break; // one case per workflow per event
      }
    }
  }
  return routes;
}

/** The Durable Object name of a case: cases are per workflow, so two workflows may key on the same customer. */
export function caseId(workflowId: string, caseKey: string): string {
  return `${workflowId}/${caseKey}`;
}
