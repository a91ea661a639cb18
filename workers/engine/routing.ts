import type { Trigger, WorkflowDefinition } from "./types.ts";

export interface Route {
  workflow: WorkflowDefinition;
  trigger: Trigger;
  caseKey: string;
}

/**
 * Finds the workflow an event belongs to from the triggers the workflows declare; null when none matches.
 * @example
 * routeEvent(WORKFLOWS, "github", "issues.opened", payload)?.caseKey // → "github:acme/api#42"
 */
export function routeEvent(workflows: readonly WorkflowDefinition[], source: string, type: string, payload: unknown): Route | null {
  for (const workflow of workflows) {
    for (const trigger of workflow.triggers) {
      if (trigger.source !== source || !trigger.events.includes(type)) continue;
      const caseKey = trigger.caseKey(payload);
      if (caseKey) return { workflow, trigger, caseKey };
    }
  }
  return null;
}
