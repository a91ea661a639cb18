/**
 * Routes one verified delivery to every case it concerns, or into the dead-letter store with the reason.
 * Shared by the webhook route and dead-letter replay, so a replayed event takes exactly the live path.
 */

import type { CaseDirectory } from "../case/directory.ts";
import type { DeadLetterInput, DeadLetterSink } from "../dead-letters/types.ts";
import {
  type CaseIngestResult,
  caseId,
  type EventEnvelope,
  type Route,
  routeEvent,
  type VersionShare,
  type WorkflowDefinition,
  withRollout,
} from "../engine/index.ts";
import type { Delivery } from "../webhooks/source.ts";
import { type CaseHeads, latestCase, MAX_CASES_PER_KEY } from "./lineage.ts";
import { narrowReplies } from "./replies.ts";

/** What a case answers when handed an event. */
export type { CaseIngestStatus } from "../engine/index.ts";
export type { DeadLetterInput, DeadLetterSink };

/** The platform's case objects (Durable Objects on Cloudflare). */

/**
 * The id of the key's latest case (the open one, if any), along the successors each ended case records. People's
 * decisions and reads without a case number mean this one.
 * @example await latestCaseId(platform.cases, "refund-dispute", "customer:ana@example.com") // → "refund-dispute@2/customer:ana@example.com"
 */
export async function latestCaseId(cases: CaseHeads, workflow: string, caseKey: string): Promise<string> {
  return (await latestCase(cases, workflow, caseKey)).id;
}

/** Routes keyed by an alias get the case key the alias names; those whose alias no case recorded are dropped. */
async function resolveAliases(
  routes: Route[],
  aliases: AliasLookup,
): Promise<{ found: Route[]; unknownAliases: { kind: string; value: string }[] }> {
  if (!routes.some((r) => r.alias)) return { found: routes, unknownAliases: [] };
  const resolved = await Promise.all(
    routes.map(async (r) =>
      r.alias
        ? { route: r, caseKey: await aliases.aliasOf(r.alias.kind, r.alias.value) }
        : { route: r, caseKey: r.caseKey },
    ),
  );
  return {
    found: resolved.flatMap(({ route, caseKey }) => (caseKey ? [{ ...route, caseKey }] : [])),
    unknownAliases: resolved.flatMap(({ route, caseKey }) => (!caseKey && route.alias ? [route.alias] : [])),
  };
}

/** Hands `envelope` to its key's case: the first one, then along the successors while they answer `forward`. */
async function ingestAlongSuccessors(
  cases: Pick<CaseDirectory, "ingest">,
  envelope: EventEnvelope,
): Promise<{ result: Exclude<CaseIngestResult, { status: "forward" }>; seq: number }> {
  let seq = 1;
  for (let hops = 0; hops < MAX_CASES_PER_KEY; hops++) {
    const result = await cases.ingest(
      caseId(envelope.workflow.id, envelope.caseKey, seq),
      seq === 1 ? envelope : { ...envelope, caseSeq: seq },
    );
    if (result.status !== "forward") return { result, seq };
    if (!(result.seq > seq))
      throw new Error(`case ${caseId(envelope.workflow.id, envelope.caseKey, seq)} names successor ${result.seq}`);
    seq = result.seq;
  }
  throw new Error(`key ${envelope.caseKey} of ${envelope.workflow.id} has more than ${MAX_CASES_PER_KEY} cases`);
}

export interface DispatchResult {
  id: string;
  /** The sender's own delivery id when `id` is the digest of the signed content (an unsigned id header). */
  senderId?: string;
  type: string;
  /** `dead_lettered`: verified and kept, but no case took it (the reason says why); replayable through the API. */
  status: "accepted" | "duplicate" | "dead_lettered";
  /** The cases that took it (`caseId` names which of the key's cases: `<workflow>@n/<key>` after the first). */
  cases: { workflow: string; version: number; caseKey: string; caseId: string; status: "accepted" | "duplicate" }[];
  reason?: string;
  deadLetterId?: number;
  /** For a dead letter: the sender delivered this event before and it was kept then. */
  deadLetterDuplicate?: boolean;
  /** A customer's message that named no conversation while several of their cases were open: those cases. */
  candidates?: string[];
}

/** Where the ids other systems know a customer by lead: the case key a case recorded with `step.alias`. */
export interface AliasLookup {
  aliasOf(kind: string, value: string): Promise<string | null>;
}

export interface DispatchDeps {
  workflows: readonly WorkflowDefinition[];
  cases: Pick<CaseDirectory, "ingest"> & CaseHeads & AliasLookup;
  deadLetters: DeadLetterSink;
  /**
   * The rollout policies in force: per workflow, the share of new cases each version opens (workers/rollouts). A
   * workflow without one opens new cases on its newest version.
   */
  rollouts?: () => Promise<ReadonlyMap<string, readonly VersionShare[]>>;
  /** The deployment's configuration, for reply threads that depend on it (an SMS workflow's own sender number). */
  config?: Readonly<Record<string, unknown>>;
}

export interface DispatchOptions {
  /** A person's choice for a customer message that named no conversation: the workflow whose case it answers. */
  onlyWorkflow?: string;
}

/**
 * @param rawBody the request's decoded body and its text: when the delivery's payload is the whole body, the
 *   text travels to the case as is (no re-serialisation on the hot path).
 */
export async function dispatchDelivery(
  deps: DispatchDeps,
  source: string,
  delivery: Delivery,
  receivedAt: number,
  rawBody?: { value: unknown; text: string },
  options: DispatchOptions = {},
): Promise<DispatchResult> {
  const { found, unknownAliases } = await resolveAliases(
    routeEvent(deps.workflows, source, delivery.type, delivery.payload),
    deps.cases,
  );
  const shares = found.some((r) => r.opens) && deps.rollouts ? await deps.rollouts() : undefined;
  const rolled = shares
    ? found.map((r) =>
        withRollout(r, deps.workflows, shares.get(r.workflow.id), source, delivery.type, delivery.payload),
      )
    : found;
  const routed = await narrowReplies(rolled, delivery.payload, deps.cases, deps.config ?? {}, options.onlyWorkflow);
  const routes = routed.routes;
  const ambiguous = "ambiguous" in routed ? routed.ambiguous : undefined;
  const payloadJson = rawBody && rawBody.value === delivery.payload ? rawBody.text : JSON.stringify(delivery.payload);
  const answers = await Promise.all(
    routes.map(async (route) => {
      const envelope: EventEnvelope = {
        id: delivery.id,
        source,
        type: delivery.type,
        receivedAt,
        occurredAt: delivery.occurredAt,
        caseKey: route.caseKey,
        workflow: { id: route.workflow.id, version: route.workflow.version },
        opens: route.opens,
        payloadJson,
      };
      const { result, seq } = await ingestAlongSuccessors(deps.cases, envelope);
      return { route, result, caseId: caseId(route.workflow.id, route.caseKey, seq) };
    }),
  );
  const cases = answers.flatMap(({ route, result, caseId: id }) =>
    result.status === "no_case"
      ? []
      : [
          {
            workflow: route.workflow.id,
            version: route.workflow.version,
            caseKey: route.caseKey,
            caseId: id,
            status: result.status,
          },
        ],
  );
  if (cases.length > 0 && !ambiguous) {
    return {
      id: delivery.id,
      senderId: delivery.senderId,
      type: delivery.type,
      status: cases.some((c) => c.status === "accepted") ? "accepted" : "duplicate",
      cases,
    };
  }
  const reason = ambiguous
    ? ambiguous.reason
    : routes.length === 0
      ? unknownAliases.length > 0
        ? `no case has recorded ${unknownAliases.map((a) => `${a.kind} ${a.value}`).join(", ")} (the event carries no other key)`
        : `no workflow takes ${source} "${delivery.type}" events with this payload`
      : answers
          .map(({ route, result }) => whyNotTaken(route.workflow.id, route.caseKey, delivery.type, result))
          .join("; ");
  const dead = await deps.deadLetters.add({
    source,
    eventId: delivery.id,
    type: delivery.type,
    reason,
    receivedAt,
    occurredAt: delivery.occurredAt,
    payload: delivery.payload,
  });
  const kept = {
    reason,
    deadLetterId: dead.id,
    deadLetterDuplicate: dead.duplicate,
    ...(ambiguous ? { candidates: ambiguous.candidates } : {}),
  };
  // A case that is not a conversation may still have taken it (a ticket system's own copy, say).
  if (cases.length > 0)
    return {
      id: delivery.id,
      senderId: delivery.senderId,
      type: delivery.type,
      status: cases.some((c) => c.status === "accepted") ? "accepted" : "duplicate",
      cases,
      ...kept,
    };
  return {
    id: delivery.id,
    senderId: delivery.senderId,
    type: delivery.type,
    status: "dead_lettered",
    cases: [],
    ...kept,
  };
}

function whyNotTaken(workflow: string, caseKey: string, type: string, result: CaseIngestResult): string {
  const ended = result.status === "no_case" ? result.ended : undefined;
  if (ended?.oneCasePerKey)
    return `${workflow} ${caseKey}: its case ${ended.caseId} has ended (${ended.status}), and ${workflow} keeps one case per key`;
  if (ended)
    return `${workflow} ${caseKey}: its case ${ended.caseId} has ended (${ended.status}), and ${type} does not open a new one`;
  return `no open case for ${workflow} ${caseKey}, and ${type} does not open one`;
}
