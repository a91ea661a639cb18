/** What people are handed and what they decide: waits, tasks, context packets, approvals, escalations, SLAs. Pure data. */
import type { ConversationTurn, Duration, StepContext, StepKind } from "./case.ts";

/** A wait the case is parked on; persisted by the shell so its deadline survives restarts. */
export interface PendingWait {
  /** `event`: another system's event; `sleep`: only the deadline; `human`: a person's decision. */
  kind: "event" | "sleep" | "human";
  stepId: string;
  startedAt: number;
  /** Epoch ms when the wait gives up; null waits forever. */
  deadline: number | null;
  /** Sources and types that could end it (empty: any), so the shell wakes the case only for those. */
  sources: readonly string[];
  types: readonly string[];
  /** What the person must decide, and who may (for `human` waits). */
  human?: HumanTask;
}

/**
 * The decisions a person can send to a waiting case. `carry-out`: an escalation whose proposed action the guardrails
 * allowed goes on with that action, as if the agent had been sure (see `StepApi.escalateWithProposal`).
 */
export const HUMAN_DECISIONS = ["approve", "reject", "resolve", "retry", "carry-out"] as const;
export type HumanDecisionKind = (typeof HUMAN_DECISIONS)[number];

export interface HumanActor {
  /** Stable user id (the dashboard's account id, an SSO subject). */
  id: string;
  roles: readonly string[];
}

/** A person's decision as the case stored it: the labelled record of what a human chose and why. */
export interface HumanDecision {
  stepId: string;
  decision: HumanDecisionKind;
  actor: HumanActor;
  note?: string;
  /** The outcome label a `resolve` closes the case with, e.g. `refunded-manually` (one the workflow declares, if it does). */
  outcome?: string;
  /** Minutes the person reports having spent deciding (for the exception-cost KPI). */
  minutesSpent?: number;
  /** The API key the decision came through (`dashboard`: the dashboard's server, for the signed-in person). */
  via?: string;
}

/** What a person is handed: enough to decide without opening another system. */
export interface ContextPacket {
  title: string;
  /** Why a human is needed. */
  reason: string;
  summary?: string;
  /** The data the decision rests on (documents, screening hits, the model's rationale...). */
  evidence?: Record<string, unknown>;
  /** What the workflow already tried. */
  tried?: readonly string[];
  /** What the workflow would do next, for the human to accept or change. */
  proposedAction?: string;
  /** The proposed action a person may have carried out (decision `carry-out`), in words; absent when not offered. */
  carryOut?: string;
  /** Why the proposed action cannot be carried out from here (a guardrail blocked it), when there is one. */
  cannotCarryOut?: string;
  /** The steps completed so far, in order: the case's timeline up to the hand-off. */
  steps: readonly { id: string; kind: StepKind; finishedAt: number }[];
  /** The failure behind an escalation that retries could not fix. */
  error?: { name: string; message: string; attempts: number };
}

export interface HumanTask {
  kind: "approval" | "escalation";
  /** Queue it is listed in, e.g. `support-leads`. */
  queue: string;
  /** The role a person needs to decide. */
  role: string;
  /** Distinct approvers required (two-person rule: 2). */
  approvals: number;
  /** Who asked for the approval; they may not grant it themselves. */
  requestedBy: string | null;
  allowed: readonly HumanDecisionKind[];
  packet: ContextPacket;
  /** Epoch ms by which a person should have decided (the queue's SLA); null: none. */
  slaDeadline: number | null;
  /**
   * Set once `slaDeadline` passed with no decision and there is no further queue to move to: the task stays here,
   * overdue, and its SLA is not watched again. Unset while the deadline is still ahead (or the task just moved).
   */
  slaBreachedAt?: number;
  /** The consequential action this approval is about, with the autonomy level that made the agent ask. */
  autonomy?: AutonomyTag;
  /** The customer's message this escalation hands to a person (see `EscalationRequest.turn`). */
  turn?: ConversationTurn;
}

/**
 * An agent's consequential action as its evidence is recorded: the action, the step that performs it, the autonomy
 * level in force when the agent proposed or took it (and that rung's name), and its amount when it has one.
 */
export interface AutonomyTag {
  action: string;
  step: string;
  level: number;
  rung: string;
  amount?: number;
}

/** Where a person's task goes when its queue's SLA passes without a decision. */
export interface SlaHop {
  queue: string;
  /** How long this queue has to decide, from when the task reaches it (default: the step's SLA). */
  sla?: Duration;
  /** The role a person needs in this queue (default: the previous queue's). */
  role?: string;
  /** Where it goes if this queue's SLA passes too. */
  then?: SlaHop | readonly SlaHop[];
}

/** A missed SLA as the case records it (the output of the step `<id>:sla-breach:<n>`). */
export interface SlaBreach {
  /** When the wait began: a step handed to a person twice (after a failure) has one wait per hand-off. */
  waitStartedAt: number;
  /** 1 for the first queue's SLA, 2 for the next queue's... */
  hop: number;
  queue: string;
  role: string;
  /** Epoch ms the decision was due. */
  deadline: number;
  /** How late the task was when the breach was recorded. */
  lateMs: number;
  /** Where the task went, with its new deadline; null when there is no further queue (it stays, overdue). */
  movedTo: { queue: string; role: string; slaDeadline: number | null } | null;
}

/** What people are told when a task is past its SLA: enough to find it and act. */
export interface SlaNotice {
  workflowId: string;
  caseKey: string;
  /** The waiting step: a decision names it. */
  stepId: string;
  kind: HumanTask["kind"];
  title: string;
  reason: string;
  breach: SlaBreach;
}

/**
 * Tells people a task is past its SLA (a Slack channel, a team's email address); a connector builds it. Called once
 * per breach as its own recorded step (`<id>:sla-notice:<n>`) with that step's idempotency key; a failing notifier
 * is retried with the engine's backoff while the task keeps waiting, never in its way.
 */
export interface SlaNotifier {
  /** e.g. `slack`, `email`. */
  name: string;
  send(notice: SlaNotice, ctx: StepContext): unknown;
}

/** What the step `<id>:sla-notice:<n>` records: the notifier's answer, or why it gave up. */
export interface SlaNoticeRecord {
  notifier: string;
  hop: number;
  sent: unknown;
  error?: { name: string; message: string; attempts: number };
}

export interface ApprovalRequest {
  title: string;
  summary?: string;
  proposedAction?: string;
  evidence?: Record<string, unknown>;
  queue?: string;
  /** Role a person needs to approve (default `operator`). */
  role?: string;
  /** Distinct approvers required: 2 enforces the two-person rule (default 1). */
  approvals?: 1 | 2;
  /** The person who asked for this; they cannot approve it. */
  requestedBy?: string;
  /** Without a decision by then the step returns `timed_out`. */
  timeout?: Duration;
  /** When a decision is due (shown in the inbox; default `timeout`). */
  sla?: Duration;
  /** Where the approval moves when `sla` passes without a decision, e.g. `{ queue: "refund-leads", sla: "4h" }`. */
  then?: SlaHop | readonly SlaHop[];
  /** Who is told when an SLA passes (default: the workflow's `slaNotify`). */
  slaNotify?: SlaNotifier;
  /**
   * Also tell people where they work (e.g. a Slack message with Approve/Reject buttons): sent once, as the step
   * `<id>:notify`, before the case waits. The decision still comes back through the same checks as the API's.
   */
  notify?: ApprovalNotifier;
  /** The consequential action proposed and the autonomy level in force (recorded on the task and its decisions). */
  autonomy?: AutonomyTag;
}

/** What people are told when an approval waits for them (posted to chat, paged...): enough to find and decide it. */
export interface ApprovalNotice {
  workflowId: string;
  caseKey: string;
  /** Which of the key's cases asks: a click on an old case's message must not decide the key's next case. */
  caseSeq: number;
  /** The approval step's id: a decision names it (`POST …/decisions { step }`, a chat button's value). */
  stepId: string;
  title: string;
  summary?: string;
  proposedAction?: string;
  queue: string;
  role: string;
  approvals: number;
  /** Epoch ms by which a decision is due; null: none. */
  slaDeadline: number | null;
}

/** Tells people an approval waits for them; a connector builds it (a Slack channel with Approve/Reject buttons). */
export interface ApprovalNotifier {
  /** e.g. `slack`. */
  name: string;
  /** Called once per approval, as its own step (`<id>:notify`) with that step's idempotency key. */
  send(notice: ApprovalNotice, ctx: StepContext): unknown;
}

export interface ApprovalResult {
  approved: boolean;
  outcome: "approved" | "rejected" | "timed_out";
  decisions: HumanDecision[];
}

export interface EscalationRequest {
  reason: string;
  /** Why the proposed action is not offered for carrying out (e.g. a guardrail blocked it): shown in the packet. */
  cannotCarryOut?: string;
  title?: string;
  summary?: string;
  evidence?: Record<string, unknown>;
  tried?: readonly string[];
  proposedAction?: string;
  queue?: string;
  /** Role a person needs to resolve it (default `operator`). */
  role?: string;
  /** When the human resolution is due, e.g. `"4h"`. */
  sla?: Duration;
  /** Where the escalation moves when `sla` passes unresolved, e.g. `{ queue: "refund-leads", sla: "4h" }`, or a list of queues. */
  then?: SlaHop | readonly SlaHop[];
  /** Who is told when an SLA passes (default: the workflow's `slaNotify`). */
  slaNotify?: SlaNotifier;
  /** The escalation hands a customer's message to a person (a question not answered alone): measured as such. */
  turn?: ConversationTurn;
}

/** An escalation that offers its proposed action: a person carries it out, or resolves the case without it. */
export interface ProposalEscalation extends EscalationRequest {
  /** The action offered, in words (e.g. `refund {"charge":"ch_1","amount":4900}`): what `carry-out` goes on with. */
  carryOut: string;
}

/** An outcome a person may close a workflow's escalations with: its label and the words people read. */
export interface DeclaredOutcome {
  /** Kebab-case, e.g. `refunded-manually`: the case's outcome. */
  label: string;
  /** e.g. `Refunded by hand`. */
  words: string;
}
