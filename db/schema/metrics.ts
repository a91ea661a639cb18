/**
 * The metrics database's measurements (Turso / libSQL). Case objects report here (through the metrics queue); the
 * dashboard reads.
 * - `metric_events`: the raw log (each event once: `metric_sequences` per case, or its id for unnumbered events),
 *   pruned after its rollups are final.
 * - `cases`: one row per case, its current status and measured facts (see db/facts.ts).
 * - `daily_rollups`, `ttr_rollups`, `exception_rollups`: per workflow × version × opened day, maintained by
 *   triggers on `cases` (migration 0002), so every change of a case row moves its day's figures in the same
 *   transaction and a repeated row changes nothing.
 * - `audit_anchors`, `audit_manifests`: each case's audit chain heads as reported, and the signed daily manifests.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { CASE_STATUSES } from "../facts.ts";

export const metricEvents = sqliteTable(
  "metric_events",
  {
    /** Deterministic per case and transition, so a redelivered event is a no-op. */
    id: text("id").notNull(),
    /** `<workflow>/<case key>`. */
    caseId: text("case_id").notNull(),
    caseKey: text("case_key").notNull(),
    workflowId: text("workflow_id").notNull(),
    workflowVersion: integer("workflow_version").notNull(),
    /** `case.opened`, `case.status`, `step.completed`, `case.resolved`, `case.failed`, ... */
    kind: text("kind").notNull(),
    status: text("status", { enum: CASE_STATUSES }),
    stepId: text("step_id"),
    /** Epoch milliseconds when it happened in the case object. */
    at: integer("at").notNull(),
    durationMs: integer("duration_ms"),
    humanTouch: integer("human_touch", { mode: "boolean" }).notNull().default(false),
    /** Who acted: `human:<id>`, `model:<id>`, `rule:<workflow>@v<n>`, `engine:crossflow`, `sender:<source>`. */
    actor: text("actor"),
    /** The case's exception type when the event was reported (set once known, never changes). */
    exception: text("exception"),
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>(),
    insertedAt: integer("inserted_at").notNull().default(sql`(unixepoch('subsec') * 1000)`),
    /** The event's number in its case's outbox (1, 2, 3…); null for events reported before cases numbered them. */
    seq: integer("seq"),
  },
  // Appended in arrival order with no per-case index (migration 0020): a key on (case, event id) scattered every
  // insert across the B-tree and alone held the writer to 0.71x of plain appends (bench/RESULTS.md). Numbered events
  // are made exact by `metric_sequences`; only events without a number (older case objects) keep the (case, id) key,
  // as a partial unique index that numbered rows never enter. The dashboard reads the rollups, not this table.
  (t) => [uniqueIndex("metric_events_unnumbered_key").on(t.caseId, t.id).where(sql`"seq" IS NULL`)],
);

/**
 * Each case's highest metric event number applied (`metric_events.seq`): a batch's events at or below it are
 * redeliveries (skipped), the next ones in order are applied and move it, and a batch starting past it + 1 waits for
 * the earlier batch still on its way. One row per case, written once per case and write.
 */
export const metricSequences = sqliteTable("metric_sequences", {
  caseId: text("case_id").primaryKey(),
  seq: integer("seq").notNull(),
});

export const cases = sqliteTable(
  "cases",
  {
    /** `<workflow>/<case key>`: the same customer may have a case in several workflows. */
    caseId: text("case_id").primaryKey(),
    caseKey: text("case_key").notNull(),
    workflowId: text("workflow_id").notNull(),
    workflowVersion: integer("workflow_version").notNull(),
    status: text("status", { enum: CASE_STATUSES }).notNull(),
    openedAt: integer("opened_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    closedAt: integer("closed_at"),
    outcome: text("outcome"),
    humanTouch: integer("human_touch", { mode: "boolean" }).notNull().default(false),
    escalated: integer("escalated", { mode: "boolean" }).notNull().default(false),
    errored: integer("errored", { mode: "boolean" }).notNull().default(false),
    exception: text("exception"),
    asks: integer("asks").notNull().default(0),
    judgments: integer("judgments").notNull().default(0),
    humanDecisions: integer("human_decisions").notNull().default(0),
    humanMinutes: integer("human_minutes").notNull().default(0),
    minutesSaved: integer("minutes_saved").notNull().default(0),
    /** The case's last audit sequence number when it reported: a later report always has a higher one. */
    revision: integer("revision").notNull().default(0),
    /** Parked on a person's task (an escalation or an approval): what the escalation inbox lists. */
    awaitingPerson: integer("awaiting_person", { mode: "boolean" }).notNull().default(false),
    /** Handed to a person at least once (an approval or an escalation): the SLA breach rate's denominator. */
    handedToPerson: integer("handed_to_person", { mode: "boolean" }).notNull().default(false),
    /** Times a person's task passed its SLA undecided (once per queue it waited in). */
    slaBreaches: integer("sla_breaches").notNull().default(0),
    /** Agent proposals put to a person (approvals requested), and how many of them the person rejected. */
    proposals: integer("proposals").notNull().default(0),
    proposalsRejected: integer("proposals_rejected").notNull().default(0),
    /** The policy versions the case decided under (`refund-limits@2`, comma-separated by name), or null. */
    policyVersions: text("policy_versions"),
    /** Value measures (db/facts.ts `ValueMeasures`), null when the workflow declares none: the case succeeded… */
    succeeded: integer("succeeded", { mode: "boolean" }),
    /** …a question to the customer went unanswered to its deadline and the case did not succeed… */
    droppedOut: integer("dropped_out", { mode: "boolean" }),
    /** …and the money it moved, in minor units of `value_currency` (upper case; null when none). */
    valueMinor: integer("value_minor"),
    valueCurrency: text("value_currency"),
    /**
     * The customer's messages the case settled while it waited (db/facts.ts `CaseFacts`): answered without a person,
     * answers withheld by their check, handed to a person; null from case objects that reported before (read as 0).
     */
    questionsAnswered: integer("questions_answered"),
    answersWithheld: integer("answers_withheld"),
    questionsEscalated: integer("questions_escalated"),
    /** The language of the customer's last such message, or null when they asked nothing. */
    conversationLanguage: text("conversation_language"),
    /**
     * The satisfaction survey after the resolution (null: never asked): asked, how it ended (`answered`,
     * `unreadable`, `unanswered`; null while awaited) and the score 1–5 of an answer.
     */
    satisfactionAsked: integer("satisfaction_asked", { mode: "boolean" }),
    satisfactionReply: text("satisfaction_reply", { enum: ["answered", "unreadable", "unanswered"] }),
    satisfactionScore: integer("satisfaction_score"),
  },
  (t) => [
    index("cases_workflow_status_idx").on(t.workflowId, t.status),
    // The inbox: the cases a person must act on, longest waiting first (few, against every parked case).
    index("cases_awaiting_person_idx").on(t.updatedAt).where(sql`${t.awaitingPerson} = 1`),
    // The case list: a workflow's cases newest first, and the open-and-old sweep of the retention job.
    index("cases_workflow_opened_idx").on(t.workflowId, t.openedAt),
    index("cases_updated_idx").on(t.updatedAt),
  ],
);

/** Figures per workflow × version × day the cases were opened (UTC day number), kept by triggers on `cases`. */
export const dailyRollups = sqliteTable(
  "daily_rollups",
  {
    workflowId: text("workflow_id").notNull(),
    workflowVersion: integer("workflow_version").notNull(),
    day: integer("day").notNull(),
    opened: integer("opened").notNull().default(0),
    resolvedAutonomous: integer("resolved_autonomous").notNull().default(0),
    resolvedHuman: integer("resolved_human").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    /** Cases parked on a person right now (status `escalated`). */
    awaitingHuman: integer("awaiting_human").notNull().default(0),
    escalated: integer("escalated").notNull().default(0),
    errored: integer("errored").notNull().default(0),
    withException: integer("with_exception").notNull().default(0),
    conversational: integer("conversational").notNull().default(0),
    judgment: integer("judgment").notNull().default(0),
    humanDecisions: integer("human_decisions").notNull().default(0),
    humanMinutes: integer("human_minutes").notNull().default(0),
    exceptionMinutes: integer("exception_minutes").notNull().default(0),
    minutesSaved: integer("minutes_saved").notNull().default(0),
    /** Cases handed to a person at least once, and those of them whose task passed an SLA (migration 0013). */
    handedToPerson: integer("handed_to_person").notNull().default(0),
    slaBreached: integer("sla_breached").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.workflowVersion, t.day] }), index("daily_rollups_day_idx").on(t.day)],
);

/**
 * The value measures per workflow × version × opened day × currency (`''` for cases that moved no money), kept by
 * triggers on `cases` (migration 0023) for the cases whose workflow declares value measures (`succeeded` not null).
 */
export const valueRollups = sqliteTable(
  "value_rollups",
  {
    workflowId: text("workflow_id").notNull(),
    workflowVersion: integer("workflow_version").notNull(),
    day: integer("day").notNull(),
    currency: text("currency").notNull(),
    cases: integer("cases").notNull().default(0),
    succeeded: integer("succeeded").notNull().default(0),
    /** Sum over the succeeded cases of closed_at - opened_at (ms): the mean time to success. */
    successMs: integer("success_ms").notNull().default(0),
    droppedOut: integer("dropped_out").notNull().default(0),
    valueMinor: integer("value_minor").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.workflowVersion, t.day, t.currency] })],
);

/**
 * The conversation measures per workflow × version × opened day × the customer's language, kept by triggers on
 * `cases` (migration 0025) for the cases whose customer asked something while the case waited (a language is set).
 */
export const conversationRollups = sqliteTable(
  "conversation_rollups",
  {
    workflowId: text("workflow_id").notNull(),
    workflowVersion: integer("workflow_version").notNull(),
    day: integer("day").notNull(),
    language: text("language").notNull(),
    /** Cases whose customer asked at least one question. */
    cases: integer("cases").notNull().default(0),
    answered: integer("answered").notNull().default(0),
    withheld: integer("withheld").notNull().default(0),
    escalated: integer("escalated").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.workflowVersion, t.day, t.language] })],
);

/**
 * Customer satisfaction per workflow × version × opened day, kept by triggers on `cases` (migration 0026) for the
 * cases whose survey went out: asked, answered with a score (and the scores' sum: the mean), unreadable, unanswered.
 */
export const satisfactionRollups = sqliteTable(
  "satisfaction_rollups",
  {
    workflowId: text("workflow_id").notNull(),
    workflowVersion: integer("workflow_version").notNull(),
    day: integer("day").notNull(),
    asked: integer("asked").notNull().default(0),
    answered: integer("answered").notNull().default(0),
    scoreSum: integer("score_sum").notNull().default(0),
    unreadable: integer("unreadable").notNull().default(0),
    unanswered: integer("unanswered").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.workflowVersion, t.day] })],
);

/** Resolved cases per time-to-resolution bucket (db/facts.ts `ttrBucketMinutes`). */
export const ttrRollups = sqliteTable(
  "ttr_rollups",
  {
    workflowId: text("workflow_id").notNull(),
    workflowVersion: integer("workflow_version").notNull(),
    day: integer("day").notNull(),
    bucketMinutes: integer("bucket_minutes").notNull(),
    cases: integer("cases").notNull().default(0),
  },
  // The overview reads every workflow over a day range: a covering index on the day serves it without the table.
  (t) => [
    primaryKey({ columns: [t.workflowId, t.workflowVersion, t.day, t.bucketMinutes] }),
    index("ttr_rollups_day_idx").on(t.day, t.workflowId, t.workflowVersion, t.bucketMinutes, t.cases),
  ],
);

/** Cases per exception type, and the human minutes they took. */
export const exceptionRollups = sqliteTable(
  "exception_rollups",
  {
    workflowId: text("workflow_id").notNull(),
    workflowVersion: integer("workflow_version").notNull(),
    day: integer("day").notNull(),
    exception: text("exception").notNull(),
    cases: integer("cases").notNull().default(0),
    humanMinutes: integer("human_minutes").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.workflowId, t.workflowVersion, t.day, t.exception] }),
    index("exception_rollups_day_idx").on(t.day, t.workflowId, t.workflowVersion, t.exception, t.cases, t.humanMinutes),
  ],
);

export type MetricEventRow = typeof metricEvents.$inferInsert;
export type CaseRow = typeof cases.$inferSelect;

/** Which model made a workflow version's agent decisions, and when last (kept by the metrics writer, migration 0019). */
export const agentModels = sqliteTable(
  "agent_models",
  {
    workflowId: text("workflow_id").notNull(),
    workflowVersion: integer("workflow_version").notNull(),
    model: text("model").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.workflowVersion, t.model] })],
);

/**
 * Resolved cases per time-to-resolution bucket per workflow and ISO week (Monday-based week number since 1970,
 * all versions together): the overview's periods span whole weeks plus a few edge days, so it reads a seventh of the
 * daily histogram rows (migration 0009 keeps it with the same triggers).
 */
export const ttrWeekly = sqliteTable(
  "ttr_weekly",
  {
    workflowId: text("workflow_id").notNull(),
    week: integer("week").notNull(),
    bucketMinutes: integer("bucket_minutes").notNull(),
    cases: integer("cases").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.workflowId, t.week, t.bucketMinutes] }),
    index("ttr_weekly_week_idx").on(t.week, t.workflowId, t.bucketMinutes, t.cases),
  ],
);

/**
 * Audit chain heads anchored outside the case: each metric batch a case reports carries the seq and hash of its
 * last audit entry, stored here in the same write as its case row. A history rewritten inside the case (with the
 * chain recomputed so it verifies on its own) no longer matches the hash anchored at that seq (`npm run audit:verify`).
 */
export const auditAnchors = sqliteTable(
  "audit_anchors",
  {
    /** `<workflow>/<case key>` or `<workflow>@n/<case key>`, as in `cases`. */
    caseId: text("case_id").notNull(),
    seq: integer("seq").notNull(),
    hash: text("hash").notNull(),
    /** When the metrics database first stored this head (ms). */
    anchoredAt: integer("anchored_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.seq] }), index("audit_anchors_anchored_at_idx").on(t.anchoredAt)],
);

/**
 * One signed manifest per UTC day: the latest anchored head of every case as of the end of that day, canonically
 * serialised, its SHA-256 and an Ed25519 signature over that digest, so an auditor needs only the public key.
 */
export const auditManifests = sqliteTable("audit_manifests", {
  /** `YYYY-MM-DD` (UTC). */
  day: text("day").primaryKey(),
  /** The canonical JSON of `{ day, heads: [{ caseId, seq, hash }] }`, heads sorted by case id. */
  body: text("body").notNull(),
  /** Hex SHA-256 of `body`. */
  sha256: text("sha256").notNull(),
  /** Base64 Ed25519 signature over the UTF-8 bytes of `sha256`. */
  signature: text("signature").notNull(),
  /** Base64 raw public key that verifies `signature` (which key signed, when keys rotate). */
  publicKey: text("public_key").notNull(),
  cases: integer("cases").notNull(),
  createdAt: integer("created_at").notNull(),
});
