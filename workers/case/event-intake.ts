/**
 * The ingest path of a case, inside the transaction that makes an event durable: deduplicate it, open the case on
 * an opening event, audit the receipt, and say whether the case should wake for it. Once the case has ended, an
 * event is passed on to the key's next case or refused.
 */
import {
  type CaseIngestResult,
  caseId,
  digest,
  type EventEnvelope,
  type PendingWait,
  TERMINAL_STATUSES,
  type WorkflowDefinition,
} from "../engine/index.ts";
import { ENGINE } from "./actors.ts";
import { metricFor } from "./metric-event.ts";
import type { CaseHeader, CaseStorage } from "./storage.ts";

/** Could this event end the wait? Only then is the case woken. */
function mayEndWait(wait: PendingWait | null, event: EventEnvelope): boolean {
  if (wait?.kind !== "event") return false;
  return (
    (wait.sources.length === 0 || wait.sources.includes(event.source)) &&
    (wait.types.length === 0 || wait.types.includes(event.type))
  );
}

/**
 * Stores `event` in the case (call inside `atomically`). `wake`: the case should run now, because the event opened
 * it or may end the wait it is parked on.
 */
export function storeEvent(
  store: CaseStorage,
  event: EventEnvelope,
  now: number,
  workflows: readonly WorkflowDefinition[],
): CaseIngestResult & { wake?: boolean } {
  let header = store.header();
  if (header && TERMINAL_STATUSES.includes(header.status)) {
    // A resolved case waits only for its satisfaction survey's reply: that message is this case's, not a next one's.
    if (header.successor === null && mayEndWait(header.wait, event) && !event.opens)
      return surveyReply(store, event, now);
    return afterEnd(store, header, event, now, workflows);
  }
  if (!header && !event.opens) return { status: "no_case" };
  if (!store.insertEvent(event)) return { status: "duplicate" };
  const opening = !header;
  if (!header) {
    store.openCase(event.caseKey, event.workflow, now, event.caseSeq ?? 1);
    header = store.header()!;
    store.queueMetric(
      metricFor(header, "case.opened", now, {
        status: "open",
        actor: `sender:${event.source}`,
        detail: { source: event.source, type: event.type },
      }),
    );
  }
  store.appendAudit({
    at: now,
    actor: { kind: "sender", id: event.source },
    action: "event.received",
    inputDigest: digest(event.payloadJson),
    detail: { eventId: event.id, type: event.type, receivedAt: event.receivedAt },
  });
  if (opening) {
    store.appendAudit({
      at: now,
      actor: ENGINE,
      action: "case.opened",
      detail: {
        workflow: `${event.workflow.id}@v${event.workflow.version}`,
        caseKey: event.caseKey,
        ...(header.seq > 1 ? { seq: header.seq } : {}),
      },
    });
    return { status: "accepted", wake: true };
  }
  return { status: "accepted", wake: header.status === "waiting" && mayEndWait(header.wait, event) };
}

/** A message for the survey a resolved case waits on: stored and audited like any event, and the case woken for it. */
function surveyReply(store: CaseStorage, event: EventEnvelope, now: number): CaseIngestResult & { wake?: boolean } {
  if (!store.insertEvent(event)) return { status: "duplicate" };
  store.appendAudit({
    at: now,
    actor: { kind: "sender", id: event.source },
    action: "event.received",
    inputDigest: digest(event.payloadJson),
    detail: { eventId: event.id, type: event.type, receivedAt: event.receivedAt },
  });
  return { status: "accepted", wake: true };
}

/** An event for a key whose case (this one) has ended: pass it on to the next case, or refuse it. */
function afterEnd(
  store: CaseStorage,
  header: CaseHeader,
  event: EventEnvelope,
  now: number,
  workflows: readonly WorkflowDefinition[],
): CaseIngestResult & { wake?: boolean } {
  if (header.successor !== null) return { status: "forward", seq: header.successor };
  const ended = { status: "no_case" as const, ended: { caseId: header.caseId, status: header.status } };
  if (!event.opens) return ended;
  // The policy of the newest deployed version: that is the version the next case would open with.
  const newest = workflows.filter((w) => w.id === header.workflowId).sort((a, b) => b.version - a.version)[0];
  if (newest?.afterEnd === "dead-letter") return { status: "no_case", ended: { ...ended.ended, oneCasePerKey: true } };
  const seq = header.seq + 1;
  store.setSuccessor(seq);
  store.appendAudit({
    at: now,
    actor: { kind: "sender", id: event.source },
    action: "case.succeeded",
    detail: { eventId: event.id, type: event.type, next: caseId(header.workflowId, header.caseKey, seq) },
  });
  // The ended case wakes once, so its outbox anchors the chain head this entry moved.
  return { status: "forward", seq, wake: true };
}
