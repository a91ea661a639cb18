/** What a workflow author writes against: triggers, channels, the step API, the workflow definition. */
import type { CaseEvent, ConversationTurn, Duration, Outcome, RetryPolicy, StepContext } from "./case.ts";
import type {
  ApprovalRequest,
  ApprovalResult,
  DeclaredOutcome,
  EscalationRequest,
  HumanDecision,
  ProposalEscalation,
  SlaNotifier,
} from "./human.ts";

/**
 * How events of one source find a workflow's case. `P` is the payload the callbacks read: connectors build triggers
 * typed from their events schemas (`stripeWebhooks.on("invoice.payment_failed", { caseKey: (e) => … })`), so a
 * misspelt field is a compile error rather than an event dead-lettered at run time. The callbacks still run on the
 * sender's data as it came (routing checks nothing against `P`): one that throws on an odd payload means "not this
 * trigger".
 */
export interface Trigger<P = unknown> {
  source: string;
  /** Event types this trigger takes, e.g. `["issues.opened"]`. */
  events: readonly string[];
  /** Narrows by payload, e.g. only tickets tagged `billing`. */
  when?: (payload: P) => boolean;
  /** Which case the event belongs to; null when this payload cannot be correlated. */
  caseKey: (payload: P) => string | null | undefined;
  /**
   * When `caseKey` finds nothing: an id another system knows the customer by (a Stripe customer, a CRM contact),
   * which a case recorded with `step.alias`. The event then belongs to the key that alias names.
   * @example alias: { kind: "stripe-customer", value: (e) => e.data.object.customer }
   */
  alias?: { kind: string; value: (payload: P) => string | null | undefined };
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
 * A trigger of whatever payload its author typed it with: what a workflow's header holds. `P` appears only as the
 * callbacks' parameter, so every `Trigger<P>` is a `Trigger<never>` without a cast, and a callback written inline
 * against it must say what it reads (its parameter is `never` until annotated); only the router calls them.
 */
export type SomeTrigger = Trigger<never>;

/**
 * The conversation a case holds with its customer: the handle its outgoing messages carry (an email's reply-to
 * token, the number an SMS was sent from) and how to read it back from the customer's message. Connectors build it
 * (`emailReplies`, `smsReplies`).
 */
export interface ReplyThread {
  /** The handle the inbound message names (e.g. the token in the reply-to address it was sent to), or null. */
  named(payload: unknown, config: Readonly<Record<string, unknown>>): string | null | undefined;
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

/** What a `waitFor` step waits for; `P`: the payload `where` reads (from the vendor's events schema). */
export interface EventMatcher<P = unknown> {
  source?: string | readonly string[];
  type?: string | readonly string[];
  /**
   * Narrows by payload. A method, so a matcher typed for one vendor's payload is taken wherever a matcher is: the
   * source and type above decide which payloads reach it, and a predicate that throws means "not this event".
   */
  where?(payload: P): boolean;
}

/** A rule's verdict, kept with its reason so the audit trail says why. */
export interface RuleDecision<T extends string = string> {
  decision: T;
  rationale: string;
  /** The verdict settles a customer's message (answered or withheld): audited as `conversation.turn`, measured. */
  turn?: ConversationTurn;
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
  /** The reminder's text (default: the message again); a function is called when the reminder is sent. */
  reminder?: string | (() => string);
  /**
   * Messages on the channel that are not (only) the reply: each is classified, an interjection answered by the
   * workflow's steps, and the ask waits on with its reminder and timeout unchanged. Without it, the first message is
   * the reply.
   */
  interjections?: AskInterjections;
}

/**
 * What an ask does with a message that arrives while it waits. Deterministic on replay: `classify` is a pure
 * function of the message, and `answer` names its steps after the message (the `stepId` it is given, or any id built
 * from the message's sequence number, e.g. `document-0-question-<seq>`), so a replay meets the same ids.
 * @example
 * step.ask("documents", channel, "Please send your passport.", { timeout: "72h", remindAfter: "24h", interjections: {
 *   classify: (m) => (hasAttachment(m) ? (isQuestion(m) ? "both" : "reply") : "interjection"),
 *   answer: (m, { stepId }) => answerQuestion(stepId, m),
 * } });
 */
export interface AskInterjections {
  /** `reply`: what the ask waits for; `interjection`: answer it and wait on; `both`: answer it, then return it. */
  classify(message: CaseEvent): "reply" | "interjection" | "both";
  /**
   * Answers the message through steps named after it (`turn.stepId` is `<ask id>:message-<seq>`); `turn.earlier`
   * holds the messages this ask answered before, oldest first. A step that escalates ends the case as anywhere.
   */
  answer(message: CaseEvent, turn: { stepId: string; earlier: readonly CaseEvent[] }): Promise<unknown>;
  /** Interjections answered at most (default 10); the next message is then returned as the reply. */
  max?: number;
}

/**
 * Where the ids other systems know a case's customer by are kept (the platform's: a Durable Object per alias, a
 * Deno KV record), so a later event that carries only such an id finds the case key (see `Trigger.alias`).
 */
export interface AliasRegistry {
  /** Records that `alias` names `caseKey` (a newer record of the same alias replaces an older one). */
  register(alias: { kind: string; value: string }, caseKey: string): Promise<void>;
}

/**
 * Anything that checks a policy's value: a zod schema fits (the engine takes no package, so only its `parse`).
 * `parse` returns the value when it is valid and throws when it is not.
 */
export interface PolicySchema<T> {
  parse(value: unknown): T;
}

/**
 * A rule a workflow reads as data rather than code (a refund cap, an approval threshold, a market's documents): admins
 * change it in the dashboard without a deploy, each change a new version. Until anyone changes it, `defaults` is in
 * force as version 0. Declared in the workflow catalogue, so the dashboard validates an edit against the same schema.
 * @example
 * const LIMITS: PolicyDeclaration<{ capMinor: number }> = { name: "refund-limits", title: "Refund limits",
 *   description: "The most one refund may be", schema: z.object({ capMinor: z.number().int().positive() }), defaults: { capMinor: 10_000 } };
 */
export interface PolicyDeclaration<T = unknown> {
  /** kebab-case, unique within the workflow: the key of its versions. */
  name: string;
  /** What people call it (the dashboard's heading). */
  title: string;
  /** What it governs, in a sentence for the people who change it. */
  description: string;
  schema: PolicySchema<T>;
  defaults: T;
}

/** A policy's version in force as the store answers it; version 0 is the declared defaults. */
export interface PolicyInForce {
  version: number;
  value: unknown;
}

/**
 * Where a case reads the policy versions in force (the metrics database, cached for a few seconds per instance):
 * null when the policy was never changed (its defaults are in force).
 */
export interface PolicySource {
  inForce(workflowId: string, name: string): Promise<PolicyInForce | null>;
}

/** What `step.policy` returns and records: the version a case used and its value. */
export interface PolicyRead<T> {
  name: string;
  version: number;
  value: T;
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
   * An escalation that offers its proposed action (`request.carryOut`): a person's `resolve` ends the case as
   * `escalate` does; their `carry-out` completes the step and returns their decision, so the body goes on with the
   * action (through its own guarded steps). Replayed like any step: the decision is a case event.
   * @example const carried = await step.escalateWithProposal("triage:escalate", { reason: "confidence 0.7", carryOut: "refund 49 EUR" });
   */
  escalateWithProposal(id: string, request: ProposalEscalation): Promise<HumanDecision>;
  /**
   * Waits a fixed time (a durable timer; nothing is held while it runs).
   * @example await step.sleep("cool-off", "24h");
   */
  sleep(id: string, duration: Duration): Promise<void>;
  /**
   * Waits for an event of another system, consuming one that arrived early; null after `timeout`.
   * @example const paid = await step.waitFor("invoice-paid", { source: "stripe", type: "invoice.paid" }, { timeout: "7d" });
   */
  waitFor<P = unknown>(
    id: string,
    matcher: EventMatcher<P>,
    options?: { timeout?: Duration },
  ): Promise<CaseEvent | null>;
  /**
   * Reads a policy the workflow declares (step `policy:<name>`, once per case): the version in force when the case
   * first reads it, kept for the rest of the case, so a change meanwhile applies to new cases only and a replay sees
   * the same rules. The audit names it as `<name>@<version>`.
   * @example const { value: limits } = await step.policy(REFUND_LIMITS); // → { capMinor: 10000, ... }
   */
  policy<T>(declaration: PolicyDeclaration<T>): Promise<PolicyRead<T>>;
  /**
   * Ends the case as resolved.
   * @example return step.resolve("triaged", { labels });
   */
  resolve(outcome: string, detail?: Record<string, unknown>): Promise<Outcome>;
}

/**
 * Step kinds that live outside the engine and join every workflow's context: the agent step (workers/agent/types.ts
 * adds `agent` here by declaration merging). The engine knows only this empty shape; the case runtime hands it the
 * functions (`AdvanceInput.extend`), so the core stays free of models and SDKs.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging from the modules that extend the engine
export interface WorkflowExtensions {}

export interface WorkflowContext<I> extends WorkflowExtensions {
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
}

/** What a satisfaction survey's channel is built from: the case's opening payload, key, conversation and configuration. */
export interface SurveyContext<I = unknown> {
  input: I;
  caseKey: string;
  conversation: Conversation;
  config: Readonly<Record<string, unknown>>;
}

/** The survey's step ids start with this: they follow the resolution in the case's journal (workers/engine/satisfaction.ts). */
export const SURVEY_PREFIX = "satisfaction:";

/**
 * One question after a case resolves, through the case's channel: "how satisfied are you, 1 to 5?". The engine sends it
 * once (step `satisfaction:send`, with its idempotency key), waits `wait` for the reply (`satisfaction:reply`) and reads
 * the score from its first line: a digit 1–5 leading it ("4", "4/5", "5 thanks") is the score; anything else is
 * recorded as unreadable (no second question: the customer is not pestered after their case is closed). The reply is
 * only parsed, never handed to a model. The case stays resolved throughout: its closing time and outcome never move.
 * Methods (not function properties), so a survey typed for a workflow's input fits the header's.
 * @example
 * satisfaction: { question: { en: "How satisfied are you? Reply 1-5." }, wait: "7d",
 *   channel: ({ input, config, conversation }) => emailChannel(config, { to: input.email, subject: "Your case" }, conversation),
 *   replyText: (reply) => String(reply.payload.text) }
 */
export interface SatisfactionSurvey<I = unknown> {
  /** The question per language code; `en` is the fallback. */
  question: Readonly<Record<string, string>> & { en: string };
  /**
   * The customer's language (a key of `question`), from the opening payload or the case's resolution (its outcome and
   * the detail it recorded, e.g. the language the conversation ended in); English when absent or not offered.
   */
  language?(input: I, resolution: Outcome | null): string | null | undefined;
  channel(ctx: SurveyContext<I>): Channel;
  /** The text of a reply that came back on the channel (where the score is read). */
  replyText(reply: CaseEvent): string;
  /** How long after the question a reply still counts (e.g. `"7d"`); then the survey is recorded unanswered. */
  wait: Duration;
}

/** What a workflow declares beside its body: what the router and the metrics read. */
export interface WorkflowHeader {
  id: string;
  version: number;
  /** What a human spends on one case; autonomous resolutions × this = minutes saved. */
  minutesPerCase: number;
  /** What one human decision (approval, escalation, retry) costs a person (exception cost); default `minutesPerCase`. */
  minutesPerDecision?: number;
  /** Step ids on the normal path (e.g. a consent question every EU customer gets): not counted as exceptions. */
  routineSteps?: readonly string[];
  /** The systems it works across (CRM, billing, ...): the readiness view's "systems involved" factor. */
  systems?: readonly string[];
  /** Typed from each source's events schema, e.g. `zendeskWebhooks.on("ticket.created", { caseKey: (e) => … })`. */
  triggers: readonly SomeTrigger[];
  /**
   * What an opening event does when the key's case has ended (resolved or failed): `new-case` (default: a returning
   * customer's next incident is a case of its own, `<workflow>@2/<key>`, counted in the KPIs), or `dead-letter`
   * (one case per key ever, e.g. a one-time signup: later opening events wait for a person in the dead letters).
   * Events that only join (`opens: false`) never reach an ended case: they are dead-lettered with the reason.
   */
  afterEnd?: "new-case" | "dead-letter";
  /** How soon a person must act on this workflow's escalations and approvals unless a step says otherwise. */
  sla?: Duration;
  /**
   * Who is told when an escalation or approval passes its SLA (unless the step names its own `slaNotify`), built
   * from the deployment's configuration, e.g. `(config) => slackSlaNotice(config, { channel: "#refund-leads" })`.
   */
  slaNotify?: (config: Readonly<Record<string, unknown>>) => SlaNotifier;
  /**
   * The consequential actions an agent may take (refund, credit, activation...), each with its autonomy ladder: the
   * level in force is read per workflow and action when an agent step runs, recorded on the step, and moved by the
   * evidence of people's decisions (proposed, then promoted by an admin; demoted at once by a rejection or reversal).
   */
  autonomy?: readonly AutonomyDeclaration[];
  /**
   * The outcomes a person may resolve this workflow's escalations with (the dashboard offers them as a choice); a
   * `resolve` naming another label is refused (422). Without it any kebab-case label is taken.
   */
  outcomes?: readonly DeclaredOutcome[];
  /** The rules this workflow reads as data (`step.policy`), which admins change without a deploy. */
  policies?: readonly PolicyDeclaration[];
  /**
   * The customer satisfaction question asked after the case resolves (see `SatisfactionSurvey`); declared per
   * version, so cases of a version without it are never surveyed.
   */
  satisfaction?: SatisfactionSurvey;
}

/**
 * One rung of an autonomy ladder: `alone: false` the agent always asks a person, `{ upTo }` it acts alone up to that
 * amount (minor units) and asks above it, `true` it acts alone within the tool's own limits.
 */
export interface AutonomyRung {
  name: string;
  alone: boolean | { upTo: number };
}

/**
 * A consequential action's autonomy ladder. A guarded tool names it (`autonomy: { ladder, amount }`) and its approval
 * rule follows the rung in force instead of a fixed `needsApproval`.
 * @example
 * const REFUNDS: AutonomyDeclaration = { action: "refund", start: 1, promoteAfter: { cases: 50, agreement: 0.95 },
 *   ladder: [{ name: "always ask", alone: false }, { name: "alone up to 50", alone: { upTo: 5_000 } }, { name: "alone", alone: true }] };
 */
export interface AutonomyDeclaration {
  action: string;
  ladder: readonly AutonomyRung[];
  /** The rung in force until anyone changes it. */
  start: number;
  /**
   * When the next rung is proposed: at least `cases` proposals decided at the level in force since it took effect,
   * at least `agreement` of them approved unchanged, and no rejection among the last `cases`.
   */
  promoteAfter: { cases: number; agreement: number };
  /**
   * A rejection of a proposal or a reversal of an action at the level in force always demotes one rung; with
   * `errorRate`, so does a share of errored cases among those it acted alone in since the level took effect.
   */
  demoteOn?: { errorRate?: { rate: number; minCases: number } };
}

/** A workflow; `I` is the payload of the event that opens its cases. `WorkflowDefinition` alone: any workflow. */
export interface WorkflowDefinition<I = never> extends WorkflowHeader {
  body: (ctx: WorkflowContext<I>) => Promise<Outcome>;
}
