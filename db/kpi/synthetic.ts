/**
 * Synthetic case histories for tests and benchmarks: each case a consistent sequence of metric batches (events
 * plus the summary row as the case object would report it), across the outcomes the KPIs tell apart. Seeded, so a
 * run is repeatable. Not used by the product.
 */
import {
  type AuditedAction,
  type CaseSnapshot,
  type CaseStatus,
  caseFacts,
  decisionMinutes,
  type MetricBatch,
  type MetricEvent,
  type WorkflowMeasures,
} from "../facts.ts";

/** mulberry32: a small seeded generator. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The SLA of the synthetic people's tasks: a decision later than this is a breach. */
const SLA_MS = 4 * 3_600_000;

export const SCENARIOS = [
  "autonomous",
  "asked",
  "approved",
  "escalated-resolved",
  "awaiting-human",
  "failed",
  "waiting",
  "retried-resolved",
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface SyntheticCaseOptions {
  workflowId: string;
  version: number;
  caseKey: string;
  openedAt: number;
  scenario: Scenario;
  measures: WorkflowMeasures;
  random: () => number;
  /** Extra completed steps, to reach a target event count. */
  extraSteps?: number;
  /**
   * Whether events carry their case's outbox number (`seq`), as case objects number them; false for the batches of
   * case objects deployed before numbering. Default true.
   */
  numbered?: boolean;
}

/**
 * Builds one case's history as the case object reports it: the audit-like actions that drive its facts, then the
 * batches (each flush: the events since the last one and the summary as of then).
 * @example
 * const { batches, final } = syntheticCase({ workflowId: "wf-1", version: 1, caseKey: "c1", openedAt, scenario: "asked", measures, random });
 */
export function syntheticCase(o: SyntheticCaseOptions): { batches: MetricBatch[]; final: CaseSnapshot } {
  const caseId = `${o.workflowId}/${o.caseKey}`;
  const audit: AuditedAction[] = [];
  const batches: MetricBatch[] = [];
  let pending: MetricEvent[] = [];
  let numberedSoFar = 0;
  let at = o.openedAt;
  let status: CaseStatus = "open";
  let closedAt: number | null = null;
  let outcome: string | null = null;
  const minutes = (lo: number, hi: number) => Math.round((lo + o.random() * (hi - lo)) * 60_000);
  const audited = (action: string, stepId?: string, detail?: Record<string, unknown>) =>
    audit.push({ action, stepId, detail });
  const event = (kind: MetricEvent["kind"], extra: Partial<MetricEvent> = {}) =>
    pending.push({
      id: `${caseId}|${kind}|${extra.stepId ?? ""}|${at}|${pending.length}|${batches.length}`,
      caseId,
      caseKey: o.caseKey,
      workflowId: o.workflowId,
      workflowVersion: o.version,
      kind,
      at,
      humanTouch: false,
      ...extra,
      ...(o.numbered === false ? {} : { seq: ++numberedSoFar }),
    });
  const flush = () => {
    const facts = caseFacts(status, audit, o.measures);
    // Parked on a person's task: the last thing audited handed the case to one (as the case object's wait says).
    const awaitingPerson =
      (status === "waiting" || status === "escalated") &&
      ["approval.requested", "case.escalated"].includes(audit.at(-1)?.action ?? "");
    const snapshot: CaseSnapshot = {
      caseId,
      caseKey: o.caseKey,
      workflowId: o.workflowId,
      workflowVersion: o.version,
      status,
      openedAt: o.openedAt,
      updatedAt: at,
      closedAt,
      outcome,
      humanTouch: facts.humanDecisions > 0,
      revision: audit.length,
      awaitingPerson,
      ...facts,
    };
    batches.push({ events: pending.map((e) => ({ ...e, exception: facts.exception })), snapshot });
    pending = [];
    return snapshot;
  };
  const step = (id: string, kind = "run") => {
    at += minutes(0.05, 2);
    audited("step.completed", id, { kind });
    event("step.completed", { stepId: id, durationMs: 200, detail: { kind } });
  };
  /** A person decides after 10 minutes to 10 hours; past the 4-hour SLA the case records the breach first, as the case object does. */
  const decide = (stepId: string, queue: string) => {
    const waited = minutes(10, 600);
    if (waited > SLA_MS) {
      at += SLA_MS;
      audited("sla.breached", stepId, { queue, hop: 1, deadline: at, lateMs: 0 });
      event("sla.breached", { stepId, detail: { queue, hop: 1, deadline: at, lateMs: 0, movedTo: null } });
      at += waited - SLA_MS;
    } else at += waited;
    const reported = o.random() < 0.3 ? Math.round(5 + o.random() * 20) : undefined;
    audited("human.decision", stepId, reported !== undefined ? { minutesSpent: reported } : {});
    event("human.decision", {
      stepId,
      humanTouch: true,
      actor: "human:ana",
      detail: { decision: "approve", minutes: decisionMinutes(reported, o.measures) },
    });
  };
  const resolve = () => {
    at += minutes(0.1, 5);
    status = "resolved";
    closedAt = at;
    outcome = "done";
    const humanTouch = audit.some((a) => a.action === "human.decision");
    audited("case.resolved");
    event("case.resolved", {
      status,
      durationMs: at - o.openedAt,
      humanTouch,
      detail: { outcome, minutesSaved: humanTouch ? 0 : o.measures.minutesPerCase },
    });
  };

  audited("case.opened");
  event("case.opened", { status: "open", actor: "sender:demo" });
  flush();
  status = "running";
  step("lookup");
  for (let i = 0; i < (o.extraSteps ?? 0); i++) step(`work-${i}`);
  switch (o.scenario) {
    case "autonomous":
      step("act");
      resolve();
      break;
    case "asked":
      status = "waiting";
      event("case.status", { status, stepId: "documents" });
      flush();
      at += minutes(30, 3000);
      status = "running";
      audited("wait.matched", "documents", { kind: "ask" });
      event("step.completed", { stepId: "documents", durationMs: 100, detail: { kind: "ask" } });
      step("judge", "agent");
      resolve();
      break;
    case "approved":
      status = "waiting";
      audited("approval.requested", "approval");
      event("case.status", {
        status,
        stepId: "approval",
        detail: { queue: "approvals", reason: "approval required", failure: false },
      });
      flush();
      decide("approval", "approvals");
      status = "running";
      step("approval", "approve");
      resolve();
      break;
    case "escalated-resolved":
    case "awaiting-human":
      step("judge", "agent");
      status = "escalated";
      audited("case.escalated", "screening-hit", { failure: false });
      event("case.escalated", {
        status,
        stepId: "screening-hit",
        detail: { queue: "compliance", reason: "screening hit", failure: false },
      });
      if (o.scenario === "awaiting-human") break;
      flush();
      decide("screening-hit", "compliance");
      status = "running";
      step("screening-hit", "escalate");
      resolve();
      break;
    case "failed":
      at += minutes(0.1, 1);
      audited("step.attempt_failed", "charge");
      event("step.retried", { stepId: "charge", detail: { failures: 1 } });
      at += minutes(1, 10);
      status = "failed";
      closedAt = at;
      audited("case.failed", "charge");
      event("case.failed", { status, durationMs: at - o.openedAt, detail: { name: "FatalError" } });
      break;
    case "waiting":
      status = "waiting";
      event("case.status", { status, stepId: "reply" });
      break;
    case "retried-resolved":
      audited("step.attempt_failed", "provision");
      event("step.retried", { stepId: "provision", detail: { failures: 1 } });
      step("provision");
      resolve();
      break;
  }
  return { batches, final: flush() };
}

/** A realistic outcome mix: most cases autonomous, the rest across the exception paths. */
export function pickScenario(random: () => number): Scenario {
  const r = random();
  if (r < 0.6) return "autonomous";
  if (r < 0.72) return "asked";
  if (r < 0.8) return "approved";
  if (r < 0.87) return "escalated-resolved";
  if (r < 0.9) return "awaiting-human";
  if (r < 0.93) return "failed";
  if (r < 0.97) return "waiting";
  return "retried-resolved";
}
