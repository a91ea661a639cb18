import type { WorkflowDefinition } from "../engine/index.ts";
import githubIssueTriage from "./github-issue-triage.ts";

/** Every deployed workflow. A case pins the version it opened with. */
export const WORKFLOWS: readonly WorkflowDefinition[] = [githubIssueTriage];

export function findWorkflow(id: string, version: number): WorkflowDefinition | undefined {
  return WORKFLOWS.find((w) => w.id === id && w.version === version);
}
