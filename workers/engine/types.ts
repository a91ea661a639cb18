/** The engine's vocabulary. Pure data: no runtime APIs, so the same core runs in workerd, Deno and Node. */

export const CASE_STATUSES = ["open", "running", "waiting", "escalated", "resolved", "failed"] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const TERMINAL_STATUSES: readonly CaseStatus[] = ["resolved", "failed"];

/** One verified, identified webhook delivery on its way to a case. */
export interface EventEnvelope {
  /** The sender's own event id (dedupe key within the source). */
  id: string;
  source: string;
  /** e.g. `issues.opened`, `invoice.payment_failed`. */
  type: string;
  receivedAt: number;
  occurredAt?: number;
  caseKey: string;
  workflow: { id: string; version: number };
  /** False for events that may join an open case but never open one. */
  opens: boolean;
  /** Which of the key's cases this is addressed to (1, the first, when absent); set as the key's cases succeed each other. */
  caseSeq?: number;
  /** The event's payload as JSON text: usually the exact bytes the sender signed, stored as received. */
  payloadJson: string;
}

/**
 * What a case answers when handed an event: stored (`accepted`), stored before (`duplicate`), not taken (`no_case`:
 * no case is open and the event may not open one; `ended` names the key's case that ended), or `forward`: the case
 * ended and the key's next case is `seq`, so the event goes there.
 */
export type CaseIngestResult =
  | { status: "accepted" | "duplicate" }
  | { status: "no_case"; ended?: { caseId: string; status: CaseStatus; oneCasePerKey?: true } }
  | { status: "forward"; seq: number };
export type CaseIngestStatus = CaseIngestResult["status"];

/** An event as the case stored it; `seq` is its arrival order within the case. */
export interface CaseEvent {
  seq: number;
  id: string;
  source: string;
  type: string;
  receivedAt: number;
  payload: unknown;
}

export interface Trigger {
  source: string;
  /** Event types this trigger takes, e.g. `["issues.opened"]`. */
  events: readonly string[];
  /** Narrows by payload, e.g. only tickets tagged `billing`. */
  when?: (payload: any) => boolean;
  /** Which case the event belongs to; null when this payload cannot be correlated. */
  caseKey: (payload: any) => string | null | undefined;
  /**
   * When `caseKey` finds nothing: an id another system knows the customer by (a Stripe customer, a CRM contact),
   * which a case recorded with `step.alias`. The event then belongs to the key that alias names.
   * @example alias: { kind: "stripe-customer", value: (e) => e.data.object.customer }
   */
  alias?: { kind: string; value: (payload: any) => string | null | undefined };
  /** False: the event joins an open case (buffered for a `waitFor`) but never opens one. Default true. */
  opens?: boolean;
  /**
   * For a customer's message (an inbound email or SMS): how it names the conversation it answers. A message that
   * names one of the customer's cases goes to that case only; one that names none goes to the customer's one open
   * case, and to a person (a dead letter listing the candidates) when several are open, never to all of them.
   */
  reply?: ReplyThread;
}

/**
 * The conversation a case holds with its customer: the handle its outgoing messages carry (an email's reply-to
 * token, the number an SMS was sent from) and how to read it back from the customer's message. Connectors build it
 * (`emailReplies`, `smsReplies`).
 */
export interface ReplyThread {
  /** The handle the inbound message names (e.g. the token in the reply-to address it was sent to), or null. */
  named(payload: any, config: Readonly<Record<string, unknown>>): string | null | undefined;
  /** The handle the messages of `conversation` carry, to compare with what a message names. */
  handleOf(conversation: Conversation, config: Readonly<Record<string, unknown>>): string | null;
}

/**
 * Which case's conversation an outgoing message belongs to; channels mark their messages with it so the customer's
 * answer comes back to this case (see `ReplyThread`). `token` is stable per workflow and key (a key has one open case).
 */
export interface Conversation {
  workflowId: string;
  caseKey: string;
  /** Which of the key's cases (1 for the first). */
  seq: number;
  /** `c` + 20 hex digits of SHA-256(workflow/key), then `-<seq>` after the key's first case: fits an email's local part. */
  token: string;
}

/** What a `waitFor` step waits for. */
export interface EventMatcher {
  source?: string | readonly string[];
  type?: string | readonly string[];
  where?: (payload: any) => boolean;
}

/** Durations as milliseconds or text: `"90s"`, `"30m"`, `"48h"`, `"7d"`. */
export type Duration = number | `${number}${"ms" | "s" | "m" | "h" | "d"}`;

/** `sla`: a record the engine keeps while a person's task waits (its SLA passed, the notice of that was sent). */
export type StepKind = "run" | "agent" | "decide" | "waitFor" | "sleep" | "ask" | "approve" | "escalate" | "resolve" | "sla";

export interface StepRecord {
  id: string;
  kind: StepKind;
  /** The step's result, replayed instead of re-running it. */
  output: unknown;
  startedAt: number;
  finishedAt: number;
  /** The case event a wait consumed (so no later wait is handed the same one). */
  eventSeq?: number;
  /**
   * How the step is audited when it is recorded: who acted (a model for an agent turn) and extra entries (its
   * guardrail verdicts). Used once, when the record is stored; not part of the replay journal.
   */
  audit?: { actor?: import("./audit.ts").AuditActor; entries?: { action: string; detail: Record<string, unknown> }[] };
}

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

/** The decisions a person can send to a waiting case. */
export const HUMAN_DECISIONS = ["approve", "reject", "resolve", "retry"] as const;
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
  /** The outcome label a `resolve` closes the case with, e.g. `refunded-manually`. */
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

/** Failed attempts of a step that has not succeeded yet; persisted by the shell between attempts. */
export interface RetryState {
  failures: number;
  /** Epoch ms before which the step must not run again. */
  notBefore: number;
  lastError: { name: string; message: string };
  /**
   * Set once retries are exhausted and the step is handed to a person: the sequence number of the last case
   * event at that moment, so only decisions that came later count.
   */
  escalatedAfterSeq?: number;
}

export interface RetryPolicy {
  /** Attempts after the first (default 3). */
  retries?: number;
  /** First backoff (default 1 s), doubled per failure up to `maxDelay` (default 5 min), with jitter. */
  initialDelay?: Duration;
  maxDelay?: Duration;
}

export interface Outcome {
  /** Short machine label, e.g. `triaged`. */
  outcome: string;
  detail?: Record<string, unknown>;
}


/** Passed to a step's function: what a connector needs to make its call safe to repeat. */
export interface StepContext {
  /**
   * The same for every attempt of this step in this case, and after a crash: a connector sends it as
   * `Idempotency-Key` so a repeated call is answered from the provider's record instead of acting twice.
   */
  idempotencyKey: string;
  /** 1 for the first attempt. */
  attempt: number;
  /**
   * True when this attempt was cut off after it began (the case stopped before its result was recorded) and runs
   * again under the same number: its call may already have reached the other system.
   */
  resumed?: boolean;
  /**
   * When the step's first attempt began (epoch ms), given with `resumed` or from the second attempt on: an earlier
   * call of this step that acted did so after it, so a connector whose provider has no idempotency key can look
   * that effect up instead of acting twice.
   */
  firstAttemptAt?: number;
}

/** A rule's verdict, kept with its reason so the audit trail says why. */
export interface RuleDecision<T extends string = string> {
  decision: T;
  rationale: string;
  [detail: string]: unknown;
}

/** A way to reach the customer and hear back: a connector builds it (email thread, SMS number, ticket). */
export interface Channel {
  /** e.g. `email`, `sms`, `zendesk`. */
  name: string;
  /** Sends `message` (plain text); called once per step, with the step's idempotency key. */
  send(message: string, ctx: StepContext): unknown;
  /** The customer's reply on this channel. */
  reply: EventMatcher;
}

/** What an ask's send (or reminder) step records: the channel, the question as sent, and the provider's answer. */
export interface SentQuestion {
  channel: string;
  text: string;
  sent: unknown;
}

export interface AskOptions {
  /** How long to wait for the reply; the step returns null after it. */
  timeout: Duration;
  /** Send one reminder if there is no reply by then. */
  remindAfter?: Duration;
  reminder?: string;
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
}

/**
 * Where the ids other systems know a case's customer by are kept (the platform's: a Durable Object per alias, a
 * Deno KV record), so a later event that carries only such an id finds the case key (see `Trigger.alias`).
 */
export interface AliasRegistry {
  /** Records that `alias` names `caseKey` (a newer record of the same alias replaces an older one). */
  register(alias: { kind: string; value: string }, caseKey: string): Promise<void>;
}

export interface StepApi {
  /**
   * Runs `fn` once per case; on replay returns the stored result. A throw is retried with backoff; after the
   * last attempt (or a FatalError) the case is escalated to a person, who may retry the step or resolve the case.
   * @example const charge = await step.run("charge", ({ idempotencyKey }) => stripe.charge(amount, { idempotencyKey }));
   */
  run<T>(id: string, fn: (ctx: StepContext) => T | Promise<T>, retry?: RetryPolicy): Promise<T>;
  /**
   * Records a deterministic rule's verdict with its rationale (audited as the rule's decision).
   * @example const route = await step.decide("market", () => ({ decision: eu ? "eu" : "us", rationale: `country ${country}` }));
   */
  decide<T extends string>(id: string, rule: () => RuleDecision<T>): Promise<RuleDecision<T>>;
  /**
   * Records an id another system knows this case's customer by (step `alias:<kind>`, once per kind), so later
   * events that carry only that id (a Stripe event with a customer id and no email) find the customer's key: this
   * case's, or `options.key` where the workflows that read the alias key the customer otherwise.
   * @example await step.alias("stripe-customer", customer.id, { key: `customer:${app.email}` });
   */
  alias(kind: string, value: string, options?: { key?: string }): Promise<void>;
  /**
   * Sends the customer a message and waits for the reply, with one optional reminder; null after `timeout`.
   * @example const reply = await step.ask("missing-id", email.channel(customer), "Please send a photo of your ID.", { timeout: "48h", remindAfter: "24h" });
   */
  ask(id: string, channel: Channel, message: string, options: AskOptions): Promise<CaseEvent | null>;
  /**
   * Waits for a person's approval (role, optional two-person rule, never the requester's own).
   * @example const ok = await step.approve("refund-over-cap", { title: "Refund 240 EUR", approvals: 2 });
   */
  approve(id: string, request: ApprovalRequest): Promise<ApprovalResult>;
  /**
   * Hands the case to a human queue with a context packet and ends it with the person's resolution.
   * @example if (!reply) return step.escalate("no-reply", { reason: "customer did not answer in 48h", queue: "support-leads", sla: "4h" });
   */
  escalate(id: string, request: EscalationRequest): Promise<Outcome>;
  /**
   * Waits a fixed time (a durable timer; nothing is held while it runs).
   * @example await step.sleep("cool-off", "24h");
   */
  sleep(id: string, duration: Duration): Promise<void>;
  /**
   * Waits for an event of another system, consuming one that arrived early; null after `timeout`.
   * @example const paid = await step.waitFor("invoice-paid", { source: "stripe", type: "invoice.paid" }, { timeout: "7d" });
   */
  waitFor(id: string, matcher: EventMatcher, options?: { timeout?: Duration }): Promise<CaseEvent | null>;
  /**
   * Ends the case as resolved.
   * @example return step.resolve("triaged", { labels });
   */
  resolve(outcome: string, detail?: Record<string, unknown>): Promise<Outcome>;
}

export interface WorkflowContext<I> {
  /** The payload of the event that opened the case. */
  input: I;
  caseKey: string;
  /** The case's conversation with its customer: hand it to `ask` channels so replies come back here (email, SMS). */
  conversation: Conversation;
  step: StepApi;
  /**
   * The deployment's configuration (secrets and vars by name: API base URLs and keys for connectors). Read it
   * inside steps or to build connectors; never branch the step sequence on it (replays must take the same path).
   */
  config: Readonly<Record<string, unknown>>;
  /**
   * An LLM tool-calling step inside guardrails (see workers/agent): returns the model's decision and the results
   * of the actions it proposed, or escalates the case when it is unsure, blocked or over budget.
   * @example const triage = await agent("triage", { instructions, context, data, decision: Triage, tools, heuristics });
   */
  agent<D extends import("../agent/types.ts").AgentDecision>(id: string, spec: import("../agent/types.ts").AgentSpec<D>): Promise<import("../agent/types.ts").AgentOutcome<D>>;
}

export interface WorkflowDefinition<I = any> {
  id: string;
  version: number;
  /** What a human spends on one case; autonomous resolutions × this = minutes saved. */
  minutesPerCase: number;
  /** What one human decision costs a person (exception cost); default `minutesPerCase`. */
  minutesPerDecision?: number;
  /** Step ids on the normal path (e.g. a consent question every EU customer gets): not counted as exceptions. */
  routineSteps?: readonly string[];
  /** The systems it works across (CRM, billing, ...): the readiness view's "systems involved" factor. */
  systems?: readonly string[];
  triggers: readonly Trigger[];
  /**
   * What an opening event does when the key's case has ended (resolved or failed): `new-case` (default: a returning
   * customer's next incident is a case of its own, `<workflow>@2/<key>`, counted in the KPIs), or `dead-letter`
   * (one case per key ever, e.g. a one-time signup: later opening events wait for a person in the dead letters).
   * Events that only join (`opens: false`) never reach an ended case: they are dead-lettered with the reason.
   */
  afterEnd?: "new-case" | "dead-letter";
  /** Default SLA for the workflow's escalations and approvals. */
  sla?: Duration;
  /** Who is told when an escalation or approval passes its SLA, unless the step names its own notifier. */
  slaNotify?: (config: Readonly<Record<string, unknown>>) => SlaNotifier;
  body: (ctx: WorkflowContext<I>) => Promise<Outcome>;
}
