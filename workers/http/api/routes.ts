/** The authenticated case API: read cases, send people's decisions, list and replay dead letters. */
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { DeadLetterWithPayload } from "../../dead-letters/types.ts";
import { caseId, HUMAN_DECISIONS } from "../../engine/index.ts";
import { ApiError } from "../../errors.ts";
import { dispatchDelivery, latestCaseId } from "../../ingest/dispatch.ts";
import { METRICS_DEAD_LETTER_SOURCE, parseMetricBatch } from "../../metrics/index.ts";
import type { AppEnv } from "../app-env.ts";
import type { DeadLetterStore, Platform } from "../platform.ts";
import { type ApiCaller, authenticate, authorize, callerRoles } from "./auth.ts";

export const api = new Hono<AppEnv>();
api.use("*", authenticate);

const DeadLetterQuery = z.object({
  source: z.string().max(40).optional(),
  status: z.enum(["pending", "replayed", "all"]).default("pending"),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().positive().optional(),
});

const idParam = (raw: string) => {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new ApiError(400, "invalid_id", `"${raw}" is not a dead-letter id`);
  return id;
};

const notFound = (workflow: string, caseKey: string) =>
  new ApiError(404, "case_not_found", `no case ${caseKey} in workflow ${workflow}`);

/**
 * Which of the key's cases a request means: `?seq=n` names one (1 is the first; every case stays readable), and
 * without it the key's latest case, found along the successors each ended case records (the open one, if any).
 */
async function targetCase(c: Context<AppEnv>, role: "viewer" | "operator" = "viewer"): Promise<string> {
  const { workflow, caseKey } = c.req.param() as { workflow: string; caseKey: string };
  authorize(c.var.caller, role, workflow);
  const raw = c.req.query("seq");
  if (raw !== undefined) {
    const seq = Number(raw);
    if (!/^[1-9][0-9]{0,8}$/.test(raw) || !Number.isSafeInteger(seq))
      throw new ApiError(
        400,
        "invalid_seq",
        `seq must be a positive integer (which of the key's cases), not "${raw.slice(0, 40)}"`,
      );
    return caseId(workflow, caseKey, seq);
  }
  return latestCaseId(c.var.platform.cases, workflow, caseKey);
}

/** The hash-chained audit trail and whether it verifies; `audit.jsonl` exports one entry per line. */
async function auditOf(c: Context<AppEnv>) {
  const { workflow, caseKey } = c.req.param() as { workflow: string; caseKey: string };
  const audit = await c.var.platform.cases.audit(await targetCase(c));
  if (!audit) throw notFound(workflow, caseKey);
  return audit;
}

api.get("/cases/:workflow/:caseKey/audit", async (c) => c.json(await auditOf(c)));

api.get("/cases/:workflow/:caseKey/audit.jsonl", async (c) => {
  const audit = await auditOf(c);
  return c.body(`${audit.entries.map((e) => JSON.stringify(e)).join("\n")}\n`, 200, {
    "content-type": "application/x-ndjson",
    "x-audit-verification": audit.verification.valid ? "valid" : `broken-at-${audit.verification.brokenAt}`,
  });
});

// Case keys contain `/`, `:` and `#`: callers URL-encode them as one path segment. `?seq=n` picks one of the key's
// cases (a returning customer's second incident is `seq=2`); without it, the latest.
api.get("/cases/:workflow/:caseKey", async (c) => {
  const { workflow, caseKey } = c.req.param();
  const view = await c.var.platform.cases.view(await targetCase(c));
  if (!view) throw notFound(workflow, caseKey);
  return c.json(view);
});

const MAX_DECISION_BYTES = 16 * 1024;

/**
 * A decision. Sent by the dashboard's server on behalf of the signed-in person, it names them (`actor`: who and their
 * roles); sent with an API key, it is the key holder's, with the key's roles, and `actor` may only repeat the holder.
 */
const DecisionBody = z
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
    outcome: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,79}$/, "outcome must be a kebab-case label")
      .optional(),
  })
  .strict()
  .refine((d) => d.decision !== "resolve" || d.outcome !== undefined, {
    message: "a resolve decision needs an outcome label",
    path: ["outcome"],
  });

type Decision = z.infer<typeof DecisionBody>;

/** Reads the decision body: the decision, or the 4xx it earns and who sent it (the case audits the refusal). */
async function readDecision(
  c: Context<AppEnv>,
): Promise<{ decision: Decision } | { error: ApiError; actorId: string | null }> {
  const media = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (media !== "application/json")
    return {
      error: new ApiError(415, "unsupported_media_type", "send the decision as application/json"),
      actorId: null,
    };
  const text = await c.req.text();
  if (new TextEncoder().encode(text).byteLength > MAX_DECISION_BYTES)
    return {
      error: new ApiError(413, "payload_too_large", `a decision is at most ${MAX_DECISION_BYTES} bytes`),
      actorId: null,
    };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    return { error: new ApiError(400, "invalid_json", "decision body is not valid JSON", { cause }), actorId: null };
  }
  const parsed = DecisionBody.safeParse(raw);
  if (parsed.success) return { decision: parsed.data };
  const actorId = (raw as { actor?: { id?: unknown } } | null)?.actor?.id;
  return {
    error: new ApiError(400, "invalid_decision", z.prettifyError(parsed.error)),
    actorId: typeof actorId === "string" ? actorId.slice(0, 200) : null,
  };
}

/**
 * Who a decision is from. The dashboard's server names the signed-in person (and must); any other key decides as
 * its holder with its own roles, and naming someone else is refused (and audited) rather than believed.
 */
async function deciderOf(
  caller: ApiCaller,
  named: Decision["actor"],
  refuse: (error: ApiError, actorId: string | null) => Promise<ApiError>,
): Promise<{ id: string; roles: string[] }> {
  if (caller.onBehalf) {
    if (!named)
      throw await refuse(
        new ApiError(
          400,
          "actor_required",
          "the dashboard's server token decides on behalf of a signed-in person: name them in `actor`",
        ),
        null,
      );
    return named;
  }
  if (named && named.id !== caller.holder) {
    throw await refuse(
      new ApiError(
        403,
        "actor_not_allowed",
        `the key ${caller.keyId} acts as ${caller.holder}; only the dashboard's server token may decide on behalf of another person`,
      ),
      named.id,
    );
  }
  return { id: caller.holder, roles: callerRoles(caller) };
}

/**
 * Resumes a waiting case with a person's decision: approve / reject an approval, resolve an escalation (with an
 * outcome label), retry a step that failed over to a person. `Idempotency-Key` makes a resubmission a no-op.
 */
api.post("/cases/:workflow/:caseKey/decisions", async (c) => {
  const { workflow, caseKey } = c.req.param();
  const id = await targetCase(c, "operator");
  const cases = c.var.platform.cases;
  const read = await readDecision(c);
  const refuse = async (error: ApiError, actorId: string | null) => {
    await cases.refuseAction(id, actorId, { code: error.code, message: error.message });
    return error;
  };
  if ("error" in read) throw await refuse(read.error, c.var.caller.onBehalf ? read.actorId : c.var.caller.holder);
  const actor = await deciderOf(c.var.caller, read.decision.actor, refuse);
  const idempotencyKey = c.req.header("idempotency-key");
  if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey))
    throw new ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1-200 printable ASCII characters");
  const { step, actor: _named, ...decision } = read.decision;
  const result = await cases.decide(id, {
    ...decision,
    actor,
    via: c.var.caller.keyId,
    stepId: step,
    id: idempotencyKey ?? crypto.randomUUID(),
  });
  if (!result) throw notFound(workflow, caseKey);
  if (result.status === "refused")
    throw new ApiError(result.refusal.status, result.refusal.code, result.refusal.message);
  return c.json(
    { accepted: true, duplicate: result.status === "duplicate" },
    result.status === "duplicate" ? 200 : 202,
  );
});

api.get("/dead-letters", async (c) => {
  authorize(c.var.caller, "viewer", "*");
  const query = DeadLetterQuery.safeParse(c.req.query());
  if (!query.success) throw new ApiError(400, "invalid_query", z.prettifyError(query.error));
  const entries = await c.var.platform.deadLetters.list(query.data);
  return c.json({ deadLetters: entries, next: entries.length === query.data.limit ? entries.at(-1)?.id : null });
});

async function deadLetterOf(store: DeadLetterStore, rawId: string) {
  const entry = await store.get(idParam(rawId));
  if (!entry) throw new ApiError(404, "dead_letter_not_found", `no dead letter ${rawId}`);
  return entry;
}

api.get("/dead-letters/:id", async (c) =>
  c.json(authorize(c.var.caller, "viewer", "*") && (await deadLetterOf(c.var.platform.deadLetters, c.req.param("id")))),
);

/** A metric batch the queue gave up on (or refused as malformed) goes through the metrics delivery again. */
async function replayMetricBatch(platform: Platform, entry: DeadLetterWithPayload) {
  const parsed = parseMetricBatch(entry.payload);
  if ("reason" in parsed) throw new ApiError(422, "malformed_metric_batch", parsed.reason);
  const delivery = platform.metrics?.();
  if (!delivery)
    throw new ApiError(409, "metrics_not_configured", "neither METRICS_QUEUE nor TURSO_DATABASE_URL is set");
  await delivery.deliver(parsed.batch);
  const result = { status: "redelivered", events: parsed.batch.events.length, caseId: parsed.batch.snapshot.caseId };
  await platform.deadLetters.markReplayed(entry.id, result);
  return result;
}

/** What a person may say when replaying: for a customer's message that named no conversation, which workflow's case it answers. */
const ReplayBody = z
  .object({ workflow: z.string().regex(/^[a-z0-9][a-z0-9-]{0,79}$/, "workflow must be a workflow id") })
  .strict();

async function replayChoice(c: Context<AppEnv>): Promise<{ workflow?: string }> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  if (new TextEncoder().encode(text).byteLength > MAX_DECISION_BYTES)
    throw new ApiError(413, "payload_too_large", `a replay body is at most ${MAX_DECISION_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ApiError(400, "invalid_json", "replay body is not valid JSON", { cause });
  }
  const parsed = ReplayBody.safeParse(raw);
  if (!parsed.success) throw new ApiError(400, "invalid_replay", z.prettifyError(parsed.error));
  return parsed.data;
}

/**
 * Sends a kept event through today's routing, exactly as if it had just arrived. A customer's message that named
 * no conversation while several of their cases were open is replayed into the case a person picked:
 * `{ "workflow": "<id>" }` (one of the candidates the dead letter's reason lists).
 */
api.post("/dead-letters/:id/replay", async (c) => {
  authorize(c.var.caller, "operator", "*");
  const store = c.var.platform.deadLetters;
  const choice = await replayChoice(c);
  const entry = await deadLetterOf(store, c.req.param("id"));
  if (entry.replayedAt !== null)
    throw new ApiError(
      409,
      "already_replayed",
      `dead letter ${entry.id} was replayed at ${new Date(entry.replayedAt).toISOString()}`,
    );
  if (entry.source === METRICS_DEAD_LETTER_SOURCE)
    return c.json({ replayed: true, result: await replayMetricBatch(c.var.platform, entry) });
  const delivery = {
    id: entry.eventId,
    type: entry.type,
    occurredAt: entry.occurredAt ?? undefined,
    payload: entry.payload,
  };
  // A replay that still finds no case must not file a second dead letter for the same event.
  const deps = {
    ...c.var.platform,
    config: c.env as unknown as Record<string, unknown>,
    deadLetters: { add: async () => ({ id: entry.id, duplicate: true }) },
  };
  const result = await dispatchDelivery(deps, entry.source, delivery, Date.now(), undefined, {
    onlyWorkflow: choice.workflow,
  });
  if (result.status === "dead_lettered")
    throw new ApiError(409, "still_unroutable", result.reason ?? "no workflow takes this event");
  await store.markReplayed(entry.id, result);
  return c.json({ replayed: true, result });
});
