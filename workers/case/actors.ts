/**
 * Who or what acted, as a case's audit entries and metric events name it: the engine itself, the workflow's rules
 * (by workflow and version), a person, or a model (which the agent step names on its own records).
 */
import type { AuditActor } from "../engine/index.ts";
import type { CaseHeader } from "./storage.ts";

export const ENGINE: AuditActor = { kind: "engine", id: "crossflow" };
export const ruleActor = (header: CaseHeader): AuditActor => ({
  kind: "rule",
  id: `${header.workflowId}@v${header.workflowVersion}`,
});
export const humanActor = (id: string): AuditActor => ({ kind: "human", id });
/** How a metric event names its actor: `human:ana`, `model:openai:gpt-5`, `rule:refund-dispute@v2`. */
export const actorLabel = (actor: AuditActor): string => `${actor.kind}:${actor.id}`;
