import { digest } from "./audit.ts";
import type { Conversation, SomeTrigger, WorkflowDefinition } from "./types.ts";

export interface Route {
  workflow: WorkflowDefinition;
  trigger: SomeTrigger;
  /** Empty while `alias` is set: the key is the one the alias names (the dispatcher looks it up). */
  caseKey: string;
  opens: boolean;
  /** The event carries no case key of its own, only an id another system knows the customer by (`Trigger.alias`). */
  alias?: { kind: string; value: string };
}

/**
 * Every workflow case an event belongs to, from the triggers the workflows declare (an event may concern
 * several workflows). A trigger whose predicate or case-key extractor throws on an odd payload simply does
 * not match: payloads are the sender's data, not ours. When several versions of a workflow are deployed, the
 * newest one's triggers open cases; an older version's triggers only join a case that exists (cases in flight
 * keep the version they opened with), so each event reaches at most one case per workflow.
 * @example
 * routeEvent(WORKFLOWS, "github", "issues.opened", payload)[0]?.caseKey // → "github:acme/api#42"
 */
export function routeEvent(
  workflows: readonly WorkflowDefinition[],
  source: string,
  type: string,
  payload: unknown,
): Route[] {
  const routes: Route[] = [];
  const versions = new Map<string, WorkflowDefinition[]>();
  for (const workflow of workflows) versions.set(workflow.id, [...(versions.get(workflow.id) ?? []), workflow]);
  for (const deployed of versions.values()) {
    const newestFirst = [...deployed].sort((a, b) => b.version - a.version);
    const route = newestFirst.flatMap((workflow, i) => {
      const match = matchTrigger(workflow, source, type, payload);
      return match ? [{ ...match, opens: i === 0 && match.opens }] : [];
    })[0];
    if (route) routes.push(route);
  }
  return routes;
}

function matchTrigger(workflow: WorkflowDefinition, source: string, type: string, payload: unknown): Route | null {
  for (const trigger of workflow.triggers) {
    if (trigger.source !== source || !trigger.events.includes(type)) continue;
    let caseKey: string | null | undefined;
    let alias: string | null | undefined;
    // The one place trigger callbacks are called: they read the payload as the type their author gave it (its events
    // schema), which the sender's data is not checked against; the catch makes a payload of another shape a non-match.
    const data = payload as never;
    try {
      if (trigger.when && !trigger.when(data)) continue;
      caseKey = trigger.caseKey(data);
      if (!caseKey && trigger.alias) alias = trigger.alias.value(data);
    } catch {
      // An extractor that trips over an unexpected payload shape means "not this trigger".
      continue;
    }
    if (typeof caseKey === "string" && caseKey.length > 0)
      return { workflow, trigger, caseKey, opens: trigger.opens ?? true };
    if (trigger.alias && typeof alias === "string" && alias.length > 0)
      return {
        workflow,
        trigger,
        caseKey: "",
        opens: trigger.opens ?? true,
        alias: { kind: trigger.alias.kind, value: alias },
      };
  }
  return null;
}

/**
 * The name of the record that maps an alias (an id another system knows a customer by) to its case key. It cannot be
 * a case id: those start with a kebab-case workflow id and a `/`.
 * @example aliasRecordId("stripe-customer", "cus_123") // → "alias:stripe-customer:cus_123"
 */
export function aliasRecordId(kind: string, value: string): string {
  return `alias:${kind}:${value}`;
}

/**
 * The Durable Object name of a case: cases are per workflow, so two workflows may key on the same customer. A key
 * has at most one open case per workflow at a time; the first case of a key is `<workflow>/<key>`, later ones (a
 * returning customer's next incident) `<workflow>@<n>/<key>`. Workflow ids are kebab-case, so `@` before the first
 * `/` cannot be part of one, and a key may hold any character.
 * @example caseId("refund-dispute", "customer:ana@example.com", 2) // → "refund-dispute@2/customer:ana@example.com"
 */
export function caseId(workflowId: string, caseKey: string, seq = 1): string {
  return seq === 1 ? `${workflowId}/${caseKey}` : `${workflowId}@${seq}/${caseKey}`;
}

/**
 * The parts of a case id: its workflow, key and sequence number among the key's cases.
 * @example parseCaseId("refund-dispute@2/customer:ana@example.com") // → { workflowId: "refund-dispute", caseKey: "customer:ana@example.com", seq: 2 }
 */
export function parseCaseId(id: string): { workflowId: string; caseKey: string; seq: number } | null {
  const match = /^([a-z0-9][a-z0-9-]*)(?:@([1-9][0-9]*))?\/(.+)$/s.exec(id);
  if (!match) return null;
  return { workflowId: match[1]!, caseKey: match[3]!, seq: match[2] ? Number(match[2]) : 1 };
}

/**
 * The conversation of one of a key's cases in a workflow: the handle its channels put on outgoing messages so the
 * customer's answer finds this case among the customer's others, and not the key's next case once this one ended.
 * @example conversationOf("refund-dispute", "customer:ana@example.com", 2).token // → "c3f1…-2"
 */
export function conversationOf(workflowId: string, caseKey: string, seq = 1): Conversation {
  const base = `c${digest(`${workflowId}/${caseKey}`).slice(0, 20)}`;
  return { workflowId, caseKey, seq, token: seq === 1 ? base : `${base}-${seq}` };
}

/** A version's share of a workflow's new cases, in percent (a rollout policy's `shares`). */
export interface VersionShare {
  version: number;
  percent: number;
}

/**
 * Where a case key falls among 10,000 buckets of a workflow: the same key always lands in the same bucket, so a
 * customer's later events agree with the first one on which version opens their case.
 * @example shareBucket("refund-dispute", "customer:ana@example.com") // → 4711 (stable)
 */
export function shareBucket(workflowId: string, caseKey: string): number {
  return Number.parseInt(digest(`rollout\u0000${workflowId}\u0000${caseKey}`).slice(0, 8), 16) % 10_000;
}

/**
 * The version that opens a new case for `caseKey` under `shares` (each version, oldest first, taking its percent of the
 * buckets); null when the shares leave the key's bucket uncovered (they add up to less than 100).
 * @example versionForKey([{ version: 2, percent: 80 }, { version: 3, percent: 20 }], "refund-dispute", key) // → 2 or 3
 */
export function versionForKey(shares: readonly VersionShare[], workflowId: string, caseKey: string): number | null {
  const bucket = shareBucket(workflowId, caseKey);
  let upTo = 0;
  // In version order, whatever order the policy lists them in: between two versions the boundary only moves, so a
  // candidate's ramp from 20 to 50 % keeps every customer it already had, and re-saving a policy moves nobody.
  for (const share of [...shares].sort((a, b) => a.version - b.version)) {
    upTo += Math.round(share.percent * 100);
    if (bucket < upTo) return share.version;
  }
  return null;
}

/**
 * An opening route under a rollout policy: the version the key's bucket names opens the case, if its triggers take
 * the event; otherwise the event opens nothing (a version without a share receives no new cases). Routes that only
 * join an existing case are left alone: a case in flight keeps the version it opened with.
 * @example routeEvent(WORKFLOWS, source, type, payload).map((r) => withRollout(r, WORKFLOWS, shares, source, type, payload))
 */
export function withRollout(
  route: Route,
  workflows: readonly WorkflowDefinition[],
  shares: readonly VersionShare[] | undefined,
  source: string,
  type: string,
  payload: unknown,
): Route {
  if (!route.opens || !shares || !route.caseKey) return route;
  const chosen = versionForKey(shares, route.workflow.id, route.caseKey);
  if (chosen === route.workflow.version) return route;
  const definition =
    chosen === null ? undefined : workflows.find((w) => w.id === route.workflow.id && w.version === chosen);
  const match = definition ? matchTrigger(definition, source, type, payload) : null;
  if (!match?.opens) return { ...route, opens: false };
  return { ...match, caseKey: route.caseKey, ...(route.alias ? { alias: route.alias } : {}), opens: true };
}
