/**
 * What the metrics database stores about a case, and how it is derived: the statuses, the metric events, the case
 * summary row, and a case's measurable facts from its own audit trail. The one definition the case object (when it
 * reports), the writer, the KPI recount (`npm run kpi:verify`) and the rollups' SQL use. Pure; no I/O.
 *
 * db/ imports nothing from workers/, so the case statuses are declared here as well as in the engine;
 * workers/metrics/facts.ts fails to compile if the two lists ever differ.
 */

export const CASE_STATUSES = ["open", "running", "waiting", "escalated", "resolved", "failed"] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const METRIC_KINDS = [
  "case.opened",
  "case.status",
  "step.completed",
  "step.retried",
  "case.escalated",
  "human.decision",
  "case.resolved",
  "case.failed",
  "sla.breached",
  // The satisfaction survey after a resolution (WorkflowHeader.satisfaction): asked, then one of the three endings.
  "satisfaction.asked",
  "satisfaction.answered",
  "satisfaction.unreadable",
  "satisfaction.unanswered",
] as const;

export interface MetricEvent {
  id: string;
  caseId: string;
  caseKey: string;
  workflowId: string;
  workflowVersion: number;
  kind: (typeof METRIC_KINDS)[number];
  status?: CaseStatus;
  stepId?: string;
  at: number;
  durationMs?: number;
  humanTouch: boolean;
  /** `kind:id` of who acted (see db/schema/metrics.ts). */
  actor?: string;
  /** The case's exception type once known (stamped when the batch is sent). */
  exception?: string | null;
  detail?: Record<string, unknown>;
  /**
   * The event's place in its case's metric outbox: 1, 2, 3… with no gaps, given when the event is queued in the same
   * storage transaction as its transition. The writer keeps each case's highest applied number and skips what is at
   * or below it. Absent from events queued by case objects deployed before numbering (keyed by `id` instead).
   */
  seq?: number;
}

/** The case summary row the dashboard reads: the header's times and status plus the measured facts. */
export interface CaseSnapshot extends CaseFacts {
  /** `<workflow>/<case key>`: cases are per workflow. */
  caseId: string;
  caseKey: string;
  workflowId: string;
  workflowVersion: number;
  status: CaseStatus;
  openedAt: number;
  updatedAt: number;
  closedAt: number | null;
  outcome: string | null;
  humanTouch: boolean;
  /** The case's last audit sequence number: every change of its facts or status is an audit entry. */
  revision: number;
  /** Parked on a person's task (an escalation or an approval). */
  awaitingPerson: boolean;
}

/** What a case object sends: the events since its last report and its summary as of now. */
export interface MetricBatch {
  events: MetricEvent[];
  snapshot: CaseSnapshot;
  /** The case's last audit entry when it reported, anchored in `audit_anchors` (absent from older case objects). */
  auditHead?: { seq: number; hash: string };
}

/** The part of an audit entry (workers/engine/audit.ts `AuditEntry`) the facts are read from. */
export interface AuditedAction {
  action: string;
  stepId?: string;
  detail?: Record<string, unknown>;
}

/** What a workflow declares about its human cost; read from its header, per version. */
export interface WorkflowMeasures {
  /** What a person spends handling one case by hand: an autonomous resolution saves this much. */
  minutesPerCase: number;
  /** What one human decision (approval, escalation, retry) costs a person; default `minutesPerCase`. */
  minutesPerDecision?: number;
  /** Steps that are part of the normal path (e.g. asking every EU customer for consent), not exceptions. */
  routineSteps?: readonly string[];
  /** The workflow's business result: what counts as success and what money a case moves (absent: not measured). */
  value?: ValueMeasures;
}

/**
 * A workflow's business result, declared in its catalogue header and measured per case from its audit trail: the
 * outcomes that count as success (onboarded, recovered, refunded: whether the workflow or a person closed the case),
 * drop-outs, and the money a successful case moves, read from the detail its resolution recorded (`case.resolved`'s `result`).
 */
export interface ValueMeasures {
  /** The outcomes that count as success, what a manager calls them, and what the success rate is called. */
  success: { outcomes: readonly string[]; words: string; rateWords: string };
  /** Count drop-outs: cases whose question to the customer went unanswered to its deadline and that did not succeed. */
  dropOut?: { words: string };
  /** Show the mean time from opening to success under these words (e.g. time to activation). */
  timeToSuccess?: { words: string };
  /** The money a successful case moves, in minor units, from its resolution's detail. */
  money?: MoneyMeasure;
}

/** Either an amount and currency the resolution names, or a price list keyed by a field it names (a plan). */
export type MoneyMeasure = { words: string } & (
  | { amountField: string; currencyField: string }
  | { priceField: string; pricesMinor: Readonly<Record<string, number>>; currency: string }
);

export interface CaseFacts {
  /** Handed to a person by an escalation at least once. */
  escalated: boolean;
  /** A step's error reached a person (retries exhausted, fatal error) or failed the case. */
  errored: boolean;
  /** The first thing off the normal path (a step id: `documents`, `screening-hit`, ...), or null. */
  exception: string | null;
  /** Questions sent to the customer (`ask` steps that finished). */
  asks: number;
  /** Agent (LLM) steps: judgment calls. */
  judgments: number;
  humanDecisions: number;
  /** Minutes people spent: each decision's reported minutes, else the workflow's `minutesPerDecision`. */
  humanMinutes: number;
  /** `minutesPerCase` when the case resolved with no human touch, else 0. */
  minutesSaved: number;
  /** Handed to a person at least once: an approval or an escalation (a step's failure included). */
  handedToPerson: boolean;
  /** Times a person's task passed its SLA undecided (`sla.breached`: once per queue it waited in). */
  slaBreaches: number;
  /** The agent's proposals put to a person for approval, and how many of them the person rejected. */
  proposals: number;
  proposalsRejected: number;
  /**
   * The policy versions the case decided under (`policy.read` entries: `refund-limits@2`, several comma-separated in
   * name order); absent when it read none. What the KPIs are split by, beside the workflow version.
   */
  policyVersions?: string;
  /**
   * The customer's messages the case settled while it waited (`conversation.turn` entries and escalations that carry
   * a turn): answered without a person, answers withheld by their check, and handed to a person at once. Absent from
   * older case objects' reports (read as 0).
   */
  questionsAnswered?: number;
  answersWithheld?: number;
  questionsEscalated?: number;
  /** The language of the customer's last such message (ISO 639-1), or null when they asked nothing. */
  conversationLanguage?: string | null;
  /** Value measures (present only when the workflow declares them, `WorkflowMeasures.value`): the case succeeded. */
  succeeded?: boolean;
  /** A question to the customer went unanswered to its deadline and the case did not succeed. */
  droppedOut?: boolean;
  /** The money the case moved, in minor units of `valueCurrency` (0 and null when none). */
  valueMinor?: number;
  valueCurrency?: string | null;
  /**
   * The satisfaction survey after the resolution (present once its question went out): asked, how it ended
   * (`answered`, `unreadable`, `unanswered`; null while the reply is awaited) and the score 1–5 of an answer.
   */
  satisfactionAsked?: boolean;
  satisfactionReply?: SatisfactionReply | null;
  satisfactionScore?: number | null;
}

/** How a satisfaction survey ended: a score, a reply without one, or no reply by its deadline. */
export type SatisfactionReply = "answered" | "unreadable" | "unanswered";

/**
 * The value facts of a case from its outcome, whether a question went unanswered, and its resolution's detail.
 * @example
 * valueFacts(ONBOARDING_VALUE, "onboarded", false, { plan: "fiber-500" }) // → { succeeded: true, valueMinor: 3990, … }
 */
export function valueFacts(
  value: ValueMeasures,
  outcome: string | null,
  unansweredAsk: boolean,
  detail: Record<string, unknown> | null,
): Required<Pick<CaseFacts, "succeeded" | "droppedOut" | "valueMinor" | "valueCurrency">> {
  const succeeded = outcome !== null && value.success.outcomes.includes(outcome);
  const money = succeeded && detail && value.money ? moneyOf(value.money, detail) : null;
  return {
    succeeded,
    droppedOut: value.dropOut !== undefined && unansweredAsk && !succeeded,
    valueMinor: money?.minor ?? 0,
    valueCurrency: money?.currency ?? null,
  };
}

function moneyOf(measure: MoneyMeasure, detail: Record<string, unknown>): { minor: number; currency: string } | null {
  if ("amountField" in measure) {
    const minor = detail[measure.amountField];
    const currency = detail[measure.currencyField];
    if (typeof minor !== "number" || !Number.isInteger(minor) || minor < 0 || typeof currency !== "string") return null;
    return { minor, currency: currency.toUpperCase() };
  }
  const key = detail[measure.priceField];
  const minor = typeof key === "string" ? measure.pricesMinor[key] : undefined;
  return minor === undefined ? null : { minor, currency: measure.currency.toUpperCase() };
}

/** What one human decision cost: the minutes the person reported, else the workflow's declared figure. */
export function decisionMinutes(reported: unknown, measures: WorkflowMeasures | undefined): number {
  if (typeof reported === "number" && Number.isFinite(reported) && reported >= 0) return reported;
  return measures?.minutesPerDecision ?? measures?.minutesPerCase ?? 0;
}

const detailOf = (entry: AuditedAction): Record<string, unknown> => entry.detail ?? {};

/**
 * @example
 * const facts = caseFacts("resolved", audit.entries, { minutesPerCase: 45, routineSteps: ["consent"] });
 */
export function caseFacts(status: CaseStatus, audit: readonly AuditedAction[], measures: WorkflowMeasures): CaseFacts {
  const fold = new CaseFactsFold(measures);
  fold.add(audit);
  return fold.facts(status);
}

/**
 * `caseFacts` kept up to date as a case's audit trail grows: each entry is read once, when it is added, so a case's
 * metrics flush costs what its new entries cost, not its whole trail (the trail only grows: entries are never
 * changed or removed). `facts(status)` equals `caseFacts(status, every entry added so far, measures)`.
 * @example
 * const fold = new CaseFactsFold({ minutesPerCase: 45 });
 * fold.add(newEntries);
 * const facts = fold.facts("running");
 */
export class CaseFactsFold {
  private readonly routine: Set<string>;
  private readonly approvalSteps = new Set<string | undefined>();
  private readonly counted: Omit<CaseFacts, "errored" | "minutesSaved"> = {
    escalated: false,
    exception: null,
    asks: 0,
    judgments: 0,
    humanDecisions: 0,
    humanMinutes: 0,
    handedToPerson: false,
    slaBreaches: 0,
    proposals: 0,
    proposalsRejected: 0,
  };
  /** An escalation carried a step's failure: the case errored whatever its status. */
  private failedEscalation = false;
  /** Each policy the case read, by name: `name@version` (a case reads a policy once). */
  private readonly policies = new Map<string, string>();
  /** The satisfaction survey, once asked: how it ended (null: awaited) and its score. */
  private survey: { reply: SatisfactionReply | null; score: number | null } | null = null;
  /** For the value measures: the outcome, its recorded detail, and whether a question to the customer timed out. */
  private outcome: string | null = null;
  private outcomeDetail: Record<string, unknown> | null = null;
  private unansweredAsk = false;
  /** The customer's messages settled, by outcome, and the language of the last. */
  private readonly turns = { answered: 0, withheld: 0, escalated: 0 };
  private conversationLanguage: string | null = null;

  constructor(private readonly measures: WorkflowMeasures) {
    this.routine = new Set(measures.routineSteps ?? []);
  }

  add(entries: readonly AuditedAction[]): void {
    const facts = this.counted;
    const exception = (stepId: string | undefined, fallback: string) => {
      facts.exception ??= stepId ?? fallback;
    };
    for (const entry of entries) {
      const detail = detailOf(entry);
      switch (entry.action) {
        case "case.escalated":
          facts.escalated = true;
          facts.handedToPerson = true;
          if (detail.failure === true) this.failedEscalation = true;
          exception(entry.stepId, "escalation");
          this.countTurn(detail.turn);
          break;
        case "conversation.turn":
          this.countTurn(detail);
          break;
        case "approval.requested":
          facts.handedToPerson = true;
          facts.proposals++;
          this.approvalSteps.add(entry.stepId);
          exception(entry.stepId, "approval");
          break;
        case "sla.breached":
          facts.slaBreaches++;
          break;
        case "policy.read":
          if (typeof detail.policy === "string") this.policies.set(detail.policy.split("@")[0]!, detail.policy);
          break;
        case "step.attempt_failed":
          exception(entry.stepId, "step-error");
          break;
        case "case.failed":
          exception(entry.stepId, "failure");
          break;
        case "case.resolved":
          if (typeof detail.outcome === "string") this.outcome = detail.outcome;
          if (typeof detail.result === "object" && detail.result !== null)
            this.outcomeDetail = detail.result as Record<string, unknown>;
          break;
        case "satisfaction.asked":
          this.survey = { reply: null, score: null };
          break;
        case "satisfaction.answered":
        case "satisfaction.unreadable":
        case "satisfaction.unanswered": {
          const score = detail.score;
          this.survey = {
            reply: entry.action.slice("satisfaction.".length) as SatisfactionReply,
            score: entry.action === "satisfaction.answered" && typeof score === "number" ? score : null,
          };
          break;
        }
        case "human.decision":
          facts.humanDecisions++;
          facts.humanMinutes += decisionMinutes(detail.minutesSpent, this.measures);
          if (detail.decision === "reject" && this.approvalSteps.has(entry.stepId)) facts.proposalsRejected++;
          break;
        case "step.completed":
        case "wait.matched":
        case "wait.timed_out":
          if (detail.kind === "agent") facts.judgments++;
          if (detail.kind === "ask") {
            facts.asks++;
            if (entry.action === "wait.timed_out") this.unansweredAsk = true;
            if (!entry.stepId || !this.routine.has(entry.stepId)) exception(entry.stepId, "question");
          }
          break;
      }
    }
  }

  private countTurn(turn: unknown): void {
    if (typeof turn !== "object" || turn === null) return;
    const { outcome, language } = turn as { outcome?: unknown; language?: unknown };
    if (outcome !== "answered" && outcome !== "withheld" && outcome !== "escalated") return;
    this.turns[outcome]++;
    if (typeof language === "string" && language !== "") this.conversationLanguage = language;
  }

  /** The facts over every entry added so far, for a case now in `status`. */
  facts(status: CaseStatus): CaseFacts {
    const c = this.counted;
    const policies = [...this.policies.keys()].sort().map((name) => this.policies.get(name)!);
    const value = this.measures.value;
    return {
      ...(policies.length > 0 ? { policyVersions: policies.join(",") } : {}),
      ...(value ? valueFacts(value, this.outcome, this.unansweredAsk, this.outcomeDetail) : {}),
      ...(this.survey
        ? { satisfactionAsked: true, satisfactionReply: this.survey.reply, satisfactionScore: this.survey.score }
        : {}),
      escalated: c.escalated,
      errored: status === "failed" || this.failedEscalation,
      exception: c.exception,
      asks: c.asks,
      judgments: c.judgments,
      humanDecisions: c.humanDecisions,
      humanMinutes: c.humanMinutes,
      minutesSaved: status === "resolved" && c.humanDecisions === 0 ? this.measures.minutesPerCase : 0,
      handedToPerson: c.handedToPerson,
      slaBreaches: c.slaBreaches,
      proposals: c.proposals,
      proposalsRejected: c.proposalsRejected,
      questionsAnswered: this.turns.answered,
      answersWithheld: this.turns.withheld,
      questionsEscalated: this.turns.escalated,
      conversationLanguage: this.conversationLanguage,
    };
  }
}

/**
 * Time to resolution at the resolution the KPIs report: to the minute under an hour, to the quarter hour under a
 * day, to the hour beyond. The mapping only rounds down, so a nearest-rank percentile of the buckets is the bucket
 * of the exact percentile; rollups can keep a small histogram and still give the exact figure at that resolution.
 * Returns the bucket's lower bound in minutes.
 */
export function ttrBucketMinutes(ms: number): number {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 60) return minutes;
  if (minutes < 24 * 60) return Math.floor(minutes / 15) * 15;
  return Math.floor(minutes / 60) * 60;
}

/** The same mapping in SQL (integer milliseconds in, minutes out), for the rollup triggers and the raw fallback. */
export const TTR_BUCKET_SQL = (ms: string) =>
  `(CASE WHEN ${ms} < 3600000 THEN ${ms} / 60000 WHEN ${ms} < 86400000 THEN (${ms} / 900000) * 15 ELSE (${ms} / 3600000) * 60 END)`;

/** UTC day number (days since 1970-01-01) of an epoch-ms instant: the rollups' cohort key. */
export const dayOf = (ms: number): number => Math.floor(ms / 86_400_000);
