/**
 * The case API's contract, declared once in zod: what each request may carry and what each answer holds. The worker
 * validates with it and serves it as an OpenAPI document (`GET /api/openapi.json`); the dashboard's client takes its
 * types from it. A leaf module (zod, the engine's decision kinds and db/'s rollout policy schema), so every layer and the dashboard may read it.
 */
import { z } from "zod";
import { GUARD_METRICS, RolloutPolicySchema } from "../db/rollouts/policy.ts";
import { CASE_STATUSES, HUMAN_DECISIONS } from "./engine/index.ts";

/** Every refusal: `{ error: { code, message } }`, the code naming what went wrong (`case_not_found`, `wait_ended`...). */
export const ApiErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

const epochMs = z.number().int();
const strings = z.array(z.string()).readonly();

export const AuditActor = z.object({ kind: z.enum(["sender", "rule", "engine", "model", "human"]), id: z.string() });

/** An audited action without its chain fields: one line of the case's story. */
export const TimelineEntry = z.object({
  seq: z.number().int(),
  at: epochMs,
  actor: AuditActor,
  action: z.string(),
  stepId: z.string().optional(),
  inputDigest: z.string().optional(),
  outputDigest: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});

export const AuditEntry = TimelineEntry.extend({ prevHash: z.string(), hash: z.string() });

export const ChainVerdict = z.union([
  z.object({ valid: z.literal(true), entries: z.number().int(), head: z.string() }),
  z.object({ valid: z.literal(false), entries: z.number().int(), brokenAt: z.number().int(), reason: z.string() }),
]);

/** `GET /api/cases/:workflow/:caseKey/audit`: the entries and whether their hash chain verifies. */
export const CaseAudit = z.object({ entries: z.array(AuditEntry), verification: ChainVerdict });

export const StepKind = z.enum([
  "run",
  "agent",
  "decide",
  "waitFor",
  "sleep",
  "ask",
  "approve",
  "escalate",
  "resolve",
  "sla",
]);

/** What a person is handed: enough to decide without opening another system. */
export const ContextPacket = z.object({
  title: z.string(),
  reason: z.string(),
  summary: z.string().optional(),
  evidence: z.record(z.string(), z.unknown()).optional(),
  tried: strings.optional(),
  proposedAction: z.string().optional(),
  /** The proposed action a person may carry out (decision `carry-out`), in words; absent when not offered. */
  carryOut: z.string().optional(),
  /** Why the proposed action cannot be carried out (a guardrail blocked it). */
  cannotCarryOut: z.string().optional(),
  steps: z.array(z.object({ id: z.string(), kind: StepKind, finishedAt: epochMs })).readonly(),
  error: z.object({ name: z.string(), message: z.string(), attempts: z.number().int() }).optional(),
});

export const HumanTask = z.object({
  kind: z.enum(["approval", "escalation"]),
  queue: z.string(),
  role: z.string(),
  approvals: z.number().int(),
  requestedBy: z.string().nullable(),
  allowed: z.array(z.enum(HUMAN_DECISIONS)).readonly(),
  packet: ContextPacket,
  slaDeadline: epochMs.nullable(),
  slaBreachedAt: epochMs.optional(),
});

/** What the case is parked on: another system's event, a deadline, or a person's decision (with their task). */
export const PendingWait = z.object({
  kind: z.enum(["event", "sleep", "human"]),
  stepId: z.string(),
  startedAt: epochMs,
  deadline: epochMs.nullable(),
  sources: strings,
  types: strings,
  human: HumanTask.optional(),
});

export const CaseStatus = z.enum(CASE_STATUSES);

export const CaseHeader = z.object({
  caseId: z.string(),
  caseKey: z.string(),
  workflowId: z.string(),
  workflowVersion: z.number().int(),
  status: CaseStatus,
  openedAt: epochMs,
  updatedAt: epochMs,
  closedAt: epochMs.nullable(),
  outcome: z.string().nullable(),
  error: z.string().nullable(),
  wait: PendingWait.nullable(),
  flushFailures: z.number().int(),
  /** Which of its key's cases this is (1 for the first). */
  seq: z.number().int(),
  /** The key's next case, once this one ended and the customer came back. */
  successor: z.number().int().nullable(),
});

export const StepRecord = z.object({
  id: z.string(),
  kind: StepKind,
  output: z.unknown(),
  startedAt: epochMs,
  finishedAt: epochMs,
  eventSeq: z.number().int().optional(),
  audit: z
    .object({
      actor: AuditActor.optional(),
      entries: z.array(z.object({ action: z.string(), detail: z.record(z.string(), z.unknown()) })).optional(),
    })
    .optional(),
});

export const HumanDecision = z.object({
  stepId: z.string(),
  decision: z.enum(HUMAN_DECISIONS),
  actor: z.object({ id: z.string(), roles: strings }),
  note: z.string().optional(),
  outcome: z.string().optional(),
  minutesSpent: z.number().int().optional(),
  via: z.string().optional(),
});

/** `GET /api/cases/:workflow/:caseKey`: the case as its object sees it now. */
export const CaseView = z.object({
  header: CaseHeader,
  /** The event that opened the case, with its payload (the case's input). */
  opener: z.object({ source: z.string(), type: z.string(), payload: z.unknown() }).nullable(),
  wait: PendingWait.nullable(),
  events: z.array(
    z.object({ seq: z.number().int(), id: z.string(), source: z.string(), type: z.string(), receivedAt: epochMs }),
  ),
  steps: z.array(StepRecord),
  /** Every attempt of every step's function, with its idempotency key. */
  attempts: z.array(
    z.object({
      stepId: z.string(),
      attempt: z.number().int(),
      idempotencyKey: z.string(),
      startedAt: epochMs,
      finishedAt: epochMs.nullable(),
      outcome: z.enum(["succeeded", "failed"]).nullable(),
    }),
  ),
  decisions: z.array(HumanDecision.extend({ at: epochMs })),
  /** Every audited action in order. */
  timeline: z.array(TimelineEntry),
  pendingMetrics: z.number().int(),
});

const label = /^[a-z0-9][a-z0-9-]{0,79}$/;

/**
 * A decision. Sent by the dashboard's server on behalf of the signed-in person, it names them (`actor`: who and their
 * roles); sent with an API key, it is the key holder's, with the key's roles, and `actor` may only repeat the holder.
 */
export const DecisionBody = z
  .object({
    step: z.string().min(1).max(200),
    decision: z.enum(HUMAN_DECISIONS),
    actor: z
      .object({ id: z.string().min(1).max(200), roles: z.array(z.string().min(1).max(50)).max(20) })
      .strict()
      .optional(),
    note: z.string().max(4000).optional(),
    /** What the person reports having spent on it; the exception-cost KPI uses the workflow's figure otherwise. */
    minutesSpent: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .optional(),
    outcome: z.string().regex(label, "outcome must be a kebab-case label").optional(),
  })
  .strict()
  .refine((d) => d.decision !== "resolve" || d.outcome !== undefined, {
    message: "a resolve decision needs an outcome label",
    path: ["outcome"],
  });

/** `POST …/decisions`: 202 when the case takes it, 200 with `duplicate: true` for a repeated `Idempotency-Key`. */
export const DecisionAccepted = z.object({ accepted: z.literal(true), duplicate: z.boolean() });

/**
 * `GET /api/tasks?case=<caseId>&case=…` (up to 100): what each case waits for, read from its own row in one request
 * (the inbox's page of tasks); `decidedBy` names who already decided a two-person approval's step.
 */
export const CaseTasks = z.object({
  tasks: z.array(
    z.union([
      z.object({ caseId: z.string(), found: z.literal(false) }),
      z.object({ caseId: z.string(), found: z.literal(true), header: CaseHeader, decidedBy: z.array(z.string()) }),
    ]),
  ),
});

/**
 * `GET …/conversation[?to=en]`: the case's conversation with its customer, oldest first (rebuilt from its record as
 * the chat page and the case page show it), and with `to`, each line translated by the configured model for the
 * operator reading it (a reading aid: nothing is recorded or sent). `translatedTo` and `model` are null without `to`.
 */
export const CaseConversation = z.object({
  lines: z.array(
    z.object({
      id: z.string(),
      from: z.enum(["customer", "us"]),
      text: z.string(),
      channel: z.string(),
      at: epochMs,
      citations: z.array(z.string()).optional(),
      translation: z.string().optional(),
    }),
  ),
  translatedTo: z.string().nullable(),
  model: z.string().nullable(),
});
export type CaseConversation = z.infer<typeof CaseConversation>;

/** Who acts and why, on every case operation (retry, cancel, reassign); the reason is kept in the audit trail. */
const OperationFields = {
  reason: z.string().trim().min(3, "say why, in a few words (at least 3 characters)").max(2000),
  actor: z
    .object({ id: z.string().min(1).max(200), roles: z.array(z.string().min(1).max(50)).max(20) })
    .strict()
    .optional(),
};

/** `POST …/retry` and `POST …/cancel` (operators): the reason, and the person when the dashboard's server acts. */
export const CaseOperationBody = z.object(OperationFields).strict();

/** `POST …/reassign` (operators): the queue the waiting task moves to. */
export const ReassignBody = z
  .object({ ...OperationFields, queue: z.string().regex(label, "queue must be a kebab-case name").max(100) })
  .strict();

/** A case operation's answer: the case's status after it; `duplicate`: it was done before, nothing changed. */
export const OperationAccepted = z.object({
  accepted: z.literal(true),
  duplicate: z.boolean(),
  status: z.enum(CASE_STATUSES),
});

export const DeadLetterQuery = z.object({
  source: z.string().max(40).optional(),
  status: z.enum(["pending", "replayed", "all"]).default("pending"),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().positive().optional(),
});

/** A verified event no workflow took, and why (the list leaves out the payloads). */
export const DeadLetterEntry = z.object({
  id: z.number().int(),
  source: z.string(),
  eventId: z.string(),
  type: z.string(),
  reason: z.string(),
  receivedAt: epochMs,
  occurredAt: epochMs.nullable(),
  replayedAt: epochMs.nullable(),
  replayResult: z.unknown(),
});

/** `GET /api/dead-letters/:id`: one dead letter with the payload it kept. */
export const DeadLetter = DeadLetterEntry.extend({ payload: z.unknown() });

/** `GET /api/dead-letters`: newest first; `next` is the `before` of the next page (null: no more). */
export const DeadLetterPage = z.object({ deadLetters: z.array(DeadLetterEntry), next: z.number().int().nullable() });

/** What a person may say when replaying: for a customer's message that named no conversation, which workflow's case it answers. */
export const ReplayBody = z.object({ workflow: z.string().regex(label, "workflow must be a workflow id") }).strict();

/** `POST /api/dead-letters/:id/replay`: what routing (or the metrics delivery) did with the event this time. */
export const ReplayAnswer = z.object({ replayed: z.literal(true), result: z.record(z.string(), z.unknown()) });

/**
 * Who a rollout change is from: with the dashboard's server token, the signed-in admin it names (required); with an
 * API key, the key's holder (an `actor` may only repeat it). The reason is kept in the hash-chained change log.
 */
const RolloutChangeBase = z.object({
  actor: z.string().min(1).max(200).optional(),
  reason: z.string().trim().min(3).max(500),
  /** The policy revision the caller saw: a change made meanwhile refuses this one (409 `stale_revision`). */
  expectedRevision: z.number().int().min(0),
});

/** `PUT /api/rollouts/:workflow`: the whole policy (db/rollouts/policy.ts `RolloutPolicySchema`, defaults filled). */
export const RolloutPolicyBody = RolloutChangeBase.extend({ policy: RolloutPolicySchema }).strict();

/**
 * `POST /api/rollouts/:workflow/actions`: `halt` (candidate to 0 %), `promote` (to the next step, or the pending
 * proposal), `set-share` (candidate to `percent`), `resume` (a halted candidate back to the first step).
 */
export const RolloutActionBody = RolloutChangeBase.extend({
  action: z.enum(["halt", "promote", "set-share", "resume"]),
  percent: z.number().min(0).max(100).multipleOf(0.01).optional(),
})
  .strict()
  .refine((b) => b.action !== "set-share" || b.percent !== undefined, {
    message: "set-share needs a percent",
    path: ["percent"],
  });

const RolloutEstimate = z.object({
  value: z.number().nullable(),
  interval: z.object({ low: z.number(), high: z.number() }).nullable(),
  sample: z.number().int(),
});

/** One guard as the last check saw it (db/rollouts/guards.ts `GuardReading`). */
export const GuardReading = z.object({
  metric: z.enum(GUARD_METRICS),
  label: z.string(),
  unit: z.enum(["rate", "minutes"]),
  maxWorseBy: z.number(),
  baseline: RolloutEstimate,
  candidate: RolloutEstimate,
  change: z
    .object({ difference: z.number(), interval: z.object({ low: z.number(), high: z.number() }).nullable() })
    .nullable(),
  /** `breached`: worse beyond the limit with enough cases; `holding`: enough cases and not; `waiting`: too few cases. */
  status: z.enum(["breached", "holding", "waiting"]),
  casesNeeded: z.number().int(),
});

/** `GET /api/rollouts/:workflow` and the answer to a change: the policy in force, its guards now, its history. */
export const RolloutView = z.object({
  workflowId: z.string(),
  /** Deployed versions of the workflow, newest first. */
  versions: z.array(z.number().int()),
  policy: RolloutPolicySchema.nullable(),
  revision: z.number().int(),
  stepStartedAt: epochMs.nullable(),
  guards: z.array(GuardReading),
  /** What the scheduled check would do now: `halt`, `promote`, `propose-promotion` or `hold`. */
  verdict: z.enum(["halt", "promote", "propose-promotion", "hold", "none"]),
  changes: z.array(
    z.object({
      id: z.number().int(),
      revision: z.number().int(),
      at: epochMs,
      actor: z.string(),
      action: z.string(),
      reason: z.string(),
      policy: z.unknown(),
      figures: z.unknown(),
      hash: z.string(),
    }),
  ),
});

/**
 * One rung of an action's autonomy ladder (workers/engine/types/workflow.ts `AutonomyRung`): `alone: false` the
 * agent always asks, `{ upTo }` it acts alone up to that amount (minor units) and asks above, `true` it acts alone
 * within the tool's limits.
 */
export const AutonomyRung = z.object({
  name: z.string(),
  alone: z.union([z.boolean(), z.object({ upTo: z.number().int().nonnegative() })]),
});

/** What people did with the agent's proposals of one action at one level, and what it did alone there. */
export const AutonomyEvidence = z.object({
  level: z.number().int(),
  name: z.string(),
  /** Proposals people decided: approved unchanged + changed + rejected. */
  proposals: z.number().int(),
  approved: z.number().int(),
  changed: z.number().int(),
  rejected: z.number().int(),
  /** Done without asking, and of those undone after the fact. */
  alone: z.number().int(),
  reversed: z.number().int(),
  /** approved / proposals, with its 95 % Wilson interval (db/kpi/compare.ts); null without proposals. */
  agreement: z.number().nullable(),
  interval: z.object({ low: z.number(), high: z.number() }).nullable(),
  lastRejectionAt: epochMs.nullable(),
  /**
   * The level as a KPI dimension: the cases the action was proposed or taken in at this level and how they ended;
   * `autonomousRate` (resolved with no person's touch / cases) with its 95 % Wilson interval.
   */
  kpis: z.object({
    cases: z.number().int(),
    resolved: z.number().int(),
    autonomous: z.number().int(),
    escalated: z.number().int(),
    errored: z.number().int(),
    autonomousRate: z.number().nullable(),
    autonomousInterval: z.object({ low: z.number(), high: z.number() }).nullable(),
  }),
});

/** One entry of an action's hash-chained change log (`autonomy_changes`). */
export const AutonomyChange = z.object({
  id: z.number().int(),
  at: epochMs,
  actor: z.string(),
  /**
   * `reversed`: an action undone after the fact that did not move the level (it drops a pending proposal);
   * `withdrawn`: a pending proposal the evidence no longer supports (a rejection since, agreement below the threshold).
   */
  kind: z.enum(["proposed", "promoted", "demoted", "reversed", "withdrawn"]),
  fromLevel: z.number().int(),
  toLevel: z.number().int(),
  reason: z.string(),
  evidence: z.unknown(),
  hash: z.string(),
});

/** An action's ladder, the level in force, the level the evidence supports, the evidence per level and its history. */
export const AutonomyActionView = z.object({
  action: z.string(),
  ladder: z.array(AutonomyRung),
  /** The rung a workflow starts on before anyone changed it. */
  start: z.number().int(),
  promoteAfter: z.object({ cases: z.number().int(), agreement: z.number() }),
  demoteOn: z.object({ errorRate: z.object({ rate: z.number(), minCases: z.number().int() }).optional() }),
  level: z.number().int(),
  proposedLevel: z.number().int().nullable(),
  /** Increases with every change: `POST` may name the one it saw (409 `stale_revision` when it moved). */
  revision: z.number().int(),
  /** When the level in force took effect (null: never changed, the declared start). */
  since: epochMs.nullable(),
  /** The figures a proposal rests on: the level in force's proposals decided since it took effect. */
  current: AutonomyEvidence,
  /** All evidence recorded, per rung of the ladder. */
  evidence: z.array(AutonomyEvidence),
  changes: z.array(AutonomyChange),
});

/** `GET /api/autonomy/:workflow` (viewers): every consequential action the workflow declares. */
export const AutonomyView = z.object({ workflowId: z.string(), actions: z.array(AutonomyActionView) });

/**
 * `POST /api/autonomy/:workflow/:action` (admins): `promote` to the proposed level (only a proposed one), or `demote`
 * one rung. With the dashboard's server token `actor` names the signed-in admin (required).
 */
export const AutonomyActionBody = z
  .object({
    decision: z.enum(["promote", "demote"]),
    reason: z.string().trim().min(3).max(500),
    actor: z.string().min(1).max(200).optional(),
    expectedRevision: z.number().int().min(0).optional(),
  })
  .strict();

/**
 * `POST /api/autonomy/:workflow/:action/reversals` (operators): an action the agent took is undone after the fact;
 * `step` is the step that performed it (e.g. `triage:refund:call-1`). Its level is demoted at once.
 */
export const AutonomyReversalBody = z
  .object({
    caseId: z.string().min(1).max(400),
    step: z.string().min(1).max(200),
    reason: z.string().trim().min(3).max(500),
    actor: z.string().min(1).max(200).optional(),
  })
  .strict();

export type AutonomyView = z.infer<typeof AutonomyView>;
export type AutonomyActionView = z.infer<typeof AutonomyActionView>;
export type AutonomyEvidence = z.infer<typeof AutonomyEvidence>;
export type AutonomyActionBody = z.input<typeof AutonomyActionBody>;
export type AutonomyReversalBody = z.input<typeof AutonomyReversalBody>;

const ComparedEstimate = RolloutEstimate;

/** `GET /api/rollouts/:workflow/comparison`: db/kpi/version-comparisons.ts `versionComparisons` over the rollups. */
export const VersionComparisons = z.object({
  workflowId: z.string(),
  fromDay: z.number().int(),
  toDay: z.number().int(),
  comparisons: z.array(
    z.object({
      baseline: z.number().int(),
      candidate: z.number().int(),
      against: z.enum(["previous", "most cases"]),
      baselineCases: z.number().int(),
      candidateCases: z.number().int(),
      minimumSample: z.number().int(),
      kpis: z.array(
        z.object({
          kpi: z.string(),
          label: z.string(),
          unit: z.enum(["rate", "minutes"]),
          higherIsBetter: z.boolean(),
          baseline: ComparedEstimate,
          candidate: ComparedEstimate,
          change: z
            .object({ difference: z.number(), interval: z.object({ low: z.number(), high: z.number() }).nullable() })
            .nullable(),
          verdict: z.enum(["better", "worse", "no difference yet", "not enough cases"]),
          casesNeeded: z.number().int(),
        }),
      ),
    }),
  ),
});

export type RolloutPolicyBody = z.input<typeof RolloutPolicyBody>;
export type RolloutActionBody = z.input<typeof RolloutActionBody>;
export type RolloutView = z.infer<typeof RolloutView>;
export type GuardReading = z.infer<typeof GuardReading>;

export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
export type CaseView = z.infer<typeof CaseView>;
export type CaseAudit = z.infer<typeof CaseAudit>;
/** A decision as a caller writes it (the body before defaults). */
export type DecisionBody = z.input<typeof DecisionBody>;
export type DecisionAccepted = z.infer<typeof DecisionAccepted>;
export type CaseOperationBody = z.input<typeof CaseOperationBody>;
export type CaseTasks = z.infer<typeof CaseTasks>;
export type ReassignBody = z.input<typeof ReassignBody>;
export type OperationAccepted = z.infer<typeof OperationAccepted>;
export type DeadLetterPage = z.infer<typeof DeadLetterPage>;
export type DeadLetter = z.infer<typeof DeadLetter>;

/** `POST /api/rollouts/:workflow/shadow-runs` (admins): run `candidate` over recorded cases, writes recorded, never sent. */
export const ShadowRunBody = z.object({
  candidate: z.number().int().positive().describe("the deployed version to try on recorded cases"),
  cases: z.number().int().min(1).max(500).default(200).describe("the newest this many recorded cases (1 to 500)"),
  since: z.iso
    .datetime({ offset: true })
    .or(z.iso.date())
    .optional()
    .describe("only cases opened since this ISO date or time"),
  /** The dashboard's server token acts for a signed-in admin: it names them. */
  actor: z.string().min(1).max(200).optional(),
});

const ShadowCounts = z.object({
  cases: z.number().int(),
  same: z.number().int(),
  differentDecision: z.number().int(),
  differentAction: z.number().int(),
  failed: z.number().int(),
});

/** A shadow-run report's summary (db/rollouts/shadow-reports.ts `ShadowReportSummary`). */
export const ShadowReportSummary = z.object({
  id: z.string(),
  workflowId: z.string(),
  candidateVersion: z.number().int(),
  requestedBy: z.string(),
  createdAt: z.number().int(),
  selection: z.object({ cases: z.number().int().optional(), since: z.number().int().optional() }),
  counts: ShadowCounts,
});

export const ShadowReportList = z.object({ reports: z.array(ShadowReportSummary) });

const ShadowStep = z.object({
  id: z.string(),
  kind: z.string(),
  result: z.unknown(),
  writes: z.array(z.object({ host: z.string(), method: z.string(), path: z.string(), body: z.unknown() })),
  at: z.number(),
});
const ShadowEnd = z.object({ status: z.enum(CASE_STATUSES), outcome: z.string().nullable() });

/** A whole report (db/rollouts/shadow-reports.ts `ShadowReport`): per case the differing steps side by side, the KPIs. */
export const ShadowReport = ShadowReportSummary.extend({
  productionVersions: z.array(z.number().int()),
  kpis: z.object({
    production: z.record(z.string(), z.unknown()),
    candidate: z.record(z.string(), z.unknown()),
    comparison: z.array(z.record(z.string(), z.unknown())),
  }),
  results: z.array(
    z.object({
      caseId: z.string(),
      caseKey: z.string(),
      productionVersion: z.number().int(),
      verdict: z.enum(["same", "different decision", "different action", "failed"]),
      production: ShadowEnd,
      candidate: ShadowEnd.nullable(),
      reason: z.string().nullable(),
      steps: z.array(z.object({ id: z.string(), production: ShadowStep.nullable(), candidate: ShadowStep.nullable() })),
    }),
  ),
});

export type ShadowRunBody = z.input<typeof ShadowRunBody>;

/** One saved version of a policy: its value, from when it is in force, who saved it and why. */
export const PolicyVersionView = z.object({
  version: z.number().int().min(1),
  value: z.unknown(),
  effectiveFrom: epochMs,
  who: z.string(),
  why: z.string(),
  /** The older version this one restores (0: the declared defaults), when it is a rollback. */
  rollbackOf: z.number().int().nullable(),
  createdAt: epochMs,
});

/** A declared policy: what it governs, its defaults, the version in force now and every saved version, newest first. */
export const PolicyView = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  defaults: z.unknown(),
  /** Version 0: the defaults (never changed, or every saved version takes effect later). */
  inForce: z.object({ version: z.number().int().min(0), value: z.unknown(), effectiveFrom: epochMs.nullable() }),
  /** The newest saved version (0: none): a change names it as `basedOn`. */
  latest: z.number().int().min(0),
  versions: z.array(PolicyVersionView),
});

/** `GET /api/policies/:workflow` (viewers): the rules the workflow reads as data. */
export const PoliciesView = z.object({ workflowId: z.string(), policies: z.array(PolicyView) });

const PolicyChangeBase = z.object({
  reason: z.string().trim().min(3).max(500),
  /** When it takes effect (epoch ms); default: now. */
  effectiveFrom: epochMs.optional(),
  /** The newest version the author saw: 409 `stale_version` when another was saved since. */
  basedOn: z.number().int().min(0),
  actor: z.string().min(1).max(200).optional(),
});

/**
 * `POST /api/policies/:workflow/:name` (admins): a new version of the policy; `value` is checked against the
 * workflow's declared schema (422 `invalid_policy`, naming each problem). With the dashboard's server token `actor`
 * names the signed-in admin (required).
 */
export const PolicyChangeBody = PolicyChangeBase.extend({ value: z.unknown() }).strict();

/** `POST /api/policies/:workflow/:name/rollbacks` (admins): a new version equal to version `to` (0: the defaults). */
export const PolicyRollbackBody = PolicyChangeBase.extend({ to: z.number().int().min(0) }).strict();

export type PolicyView = z.infer<typeof PolicyView>;
export type PoliciesView = z.infer<typeof PoliciesView>;
export type PolicyChangeBody = z.input<typeof PolicyChangeBody>;
export type PolicyRollbackBody = z.input<typeof PolicyRollbackBody>;
