/**
 * Routes one verified delivery to every case it concerns, or into the dead-letter store with the reason.
 * Shared by the webhook route and dead-letter replay, so a replayed event takes exactly the live path.
 */
import { caseId, routeEvent, type EventEnvelope, type WorkflowDefinition } from "../engine/index.ts";
import type { Delivery } from "./source.ts";

/** What a case answers when handed an event. */
export type CaseIngestStatus = "accepted" | "duplicate" | "no_case";

/** The platform's case objects (Durable Objects on Cloudflare). */
export interface CaseDirectory {
  ingest(caseId: string, event: EventEnvelope): Promise<{ status: CaseIngestStatus }>;
}

export interface DeadLetterInput {
  source: string;
  eventId: string;
  type: string;
  reason: string;
  receivedAt: number;
  occurredAt?: number;
  payload: unknown;
}

export interface DeadLetterSink {
  add(entry: DeadLetterInput): Promise<{ id: number; duplicate: boolean }>;
}

export interface DispatchResult {
  id: string;
  type: string;
  /** `dead_lettered`: verified and kept, but no case took it (the reason says why); replayable through the API. */
  status: "accepted" | "duplicate" | "dead_lettered";
  cases: { workflow: string; version: number; caseKey: string; status: CaseIngestStatus }[];
  reason?: string;
  deadLetterId?: number;
  /** For a dead letter: the sender delivered this event before and it was kept then. */
  deadLetterDuplicate?: boolean;
}

export interface DispatchDeps {
  workflows: readonly WorkflowDefinition[];
  cases: CaseDirectory;
  deadLetters: DeadLetterSink;
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
): Promise<DispatchResult> {
  const routes = routeEvent(deps.workflows, source, delivery.type, delivery.payload);
  const payloadJson = rawBody && rawBody.value === delivery.payload ? rawBody.text : JSON.stringify(delivery.payload);
  const cases = await Promise.all(
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
      const { status } = await deps.cases.ingest(caseId(route.workflow.id, route.caseKey), envelope);
      return { workflow: route.workflow.id, version: route.workflow.version, caseKey: route.caseKey, status };
    }),
  );
  const taken = cases.filter((c) => c.status !== "no_case");
  if (taken.length > 0) {
    return { id: delivery.id, type: delivery.type, status: taken.some((c) => c.status === "accepted") ? "accepted" : "duplicate", cases: taken };
  }
  const reason =
    routes.length === 0
      ? `no workflow takes ${source} "${delivery.type}" events with this payload`
      : `no open case for ${cases.map((c) => `${c.workflow} ${c.caseKey}`).join(", ")}, and ${delivery.type} does not open one`;
  const dead = await deps.deadLetters.add({ source, eventId: delivery.id, type: delivery.type, reason, receivedAt, occurredAt: delivery.occurredAt, payload: delivery.payload });
  return { id: delivery.id, type: delivery.type, status: "dead_lettered", cases: [], reason, deadLetterId: dead.id, deadLetterDuplicate: dead.duplicate };
}
