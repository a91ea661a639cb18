/**
 * The metric batch as it crosses the queue: validated by the consumer before anything is written, so a malformed
 * message goes to the dead letters whole, with the reason, and never half into the database.
 */
import { z } from "zod";
import { CASE_STATUSES, METRIC_KINDS, type MetricBatch } from "./facts.ts";

const id = z.string().min(1).max(400);
const epochMs = z.number().int().nonnegative();
const count = z.number().int().nonnegative();

const MetricEventSchema = z
  .object({
    id,
    caseId: id,
    caseKey: z.string().min(1).max(300),
    workflowId: z.string().min(1).max(100),
    workflowVersion: z.number().int().positive(),
    kind: z.enum(METRIC_KINDS),
    status: z.enum(CASE_STATUSES).optional(),
    stepId: z.string().max(200).optional(),
    at: epochMs,
    durationMs: z.number().int().nonnegative().optional(),
    humanTouch: z.boolean(),
    actor: z.string().max(300).optional(),
    exception: z.string().max(200).nullable().optional(),
    detail: z.record(z.string(), z.unknown()).optional(),
    // Optional: events queued by case objects deployed before numbering have none (kept by their id instead).
    seq: z.number().int().positive().optional(),
  })
  .strict();

const CaseSnapshotSchema = z
  .object({
    caseId: id,
    caseKey: z.string().min(1).max(300),
    workflowId: z.string().min(1).max(100),
    workflowVersion: z.number().int().positive(),
    status: z.enum(CASE_STATUSES),
    openedAt: epochMs,
    updatedAt: epochMs,
    closedAt: epochMs.nullable(),
    outcome: z.string().max(200).nullable(),
    humanTouch: z.boolean(),
    revision: count,
    escalated: z.boolean(),
    errored: z.boolean(),
    exception: z.string().max(200).nullable(),
    asks: count,
    judgments: count,
    humanDecisions: count,
    humanMinutes: count,
    minutesSaved: count,
    // Optional: case objects deployed before they existed report without them (see parseMetricBatch).
    awaitingPerson: z.boolean().optional(),
    handedToPerson: z.boolean().optional(),
    slaBreaches: count.optional(),
    proposals: count.optional(),
    proposalsRejected: count.optional(),
    policyVersions: z.string().max(2_000).optional(),
    // Present only for workflows that declare value measures (db/facts.ts ValueMeasures).
    succeeded: z.boolean().optional(),
    droppedOut: z.boolean().optional(),
    valueMinor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    valueCurrency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .nullable()
      .optional(),
    // The conversation measures (db/facts.ts CaseFacts); absent from case objects that reported before them.
    questionsAnswered: count.optional(),
    answersWithheld: count.optional(),
    questionsEscalated: count.optional(),
    conversationLanguage: z
      .string()
      .regex(/^[a-z]{2,3}$/)
      .nullable()
      .optional(),
    // Present once the case's satisfaction survey went out (WorkflowHeader.satisfaction).
    satisfactionAsked: z.boolean().optional(),
    satisfactionReply: z.enum(["answered", "unreadable", "unanswered"]).nullable().optional(),
    satisfactionScore: z.number().int().min(1).max(5).nullable().optional(),
  })
  .strict();

/** The case's audit chain head when it reported; optional: case objects deployed before anchors report without it. */
const AuditHeadSchema = z
  .object({ seq: z.number().int().positive(), hash: z.string().regex(/^[0-9a-f]{64}$/) })
  .strict();

export const MetricBatchSchema = z
  .object({
    events: z.array(MetricEventSchema).max(1000),
    snapshot: CaseSnapshotSchema,
    auditHead: AuditHeadSchema.optional(),
  })
  .strict()
  .superRefine((batch, ctx) => {
    const { caseId, workflowId, workflowVersion } = batch.snapshot;
    batch.events.forEach((e, i) => {
      if (e.caseId !== caseId || e.workflowId !== workflowId || e.workflowVersion !== workflowVersion) {
        ctx.addIssue({
          code: "custom",
          path: ["events", i],
          message: `event ${e.id} belongs to ${e.workflowId}@v${e.workflowVersion} ${e.caseId}, not to the batch's case ${caseId}`,
        });
      }
    });
    if (batch.snapshot.closedAt !== null && batch.snapshot.closedAt < batch.snapshot.openedAt) {
      ctx.addIssue({ code: "custom", path: ["snapshot", "closedAt"], message: "a case cannot close before it opened" });
    }
  });

/** The batch, or why it cannot be written (zod's first issues, with their paths). */
export function parseMetricBatch(body: unknown): { batch: MetricBatch } | { reason: string } {
  const parsed = MetricBatchSchema.safeParse(body);
  if (parsed.success) {
    const { snapshot } = parsed.data;
    // A report without the fact marks any parked case, so the inbox checks that case's own wait rather than miss it.
    const awaitingPerson =
      snapshot.awaitingPerson ?? (snapshot.status === "escalated" || snapshot.status === "waiting");
    // Such a report could not have recorded a breach; a person's decision or an escalation shows a hand-off.
    const handedToPerson =
      snapshot.handedToPerson ?? (snapshot.escalated || snapshot.humanDecisions > 0 || awaitingPerson);
    const slaBreaches = snapshot.slaBreaches ?? 0;
    const proposals = snapshot.proposals ?? 0;
    const proposalsRejected = snapshot.proposalsRejected ?? 0;
    return {
      batch: {
        ...parsed.data,
        snapshot: { ...snapshot, awaitingPerson, handedToPerson, slaBreaches, proposals, proposalsRejected },
      } as MetricBatch,
    };
  }
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  return { reason: `malformed metric batch: ${issues.join("; ")}` };
}
