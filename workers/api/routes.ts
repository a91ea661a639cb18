/** The authenticated case API: read cases, list and replay dead letters. */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { caseId } from "../engine/index.ts";
import type { Env } from "../env.ts";
import { ApiError } from "../errors.ts";
import { dispatchDelivery } from "../ingest/dispatch.ts";
import { caseAudit, caseView, cloudflareDispatch, deadLetterStore, type DeadLetterStore } from "../platform/cloudflare.ts";
import { requireApiToken } from "./auth.ts";

export const api = new Hono<{ Bindings: Env }>();
api.use("*", requireApiToken);

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

const notFound = (workflow: string, caseKey: string) => new ApiError(404, "case_not_found", `no case ${caseKey} in workflow ${workflow}`);

/** The hash-chained audit trail and whether it verifies; `audit.jsonl` exports one entry per line. */
async function auditOf(c: Context<{ Bindings: Env }>) {
  const { workflow, caseKey } = c.req.param() as { workflow: string; caseKey: string };
  const audit = await caseAudit(c.env, caseId(workflow, caseKey));
  if (!audit) throw notFound(workflow, caseKey);
  return audit;
}

api.get("/cases/:workflow/:caseKey/audit", async (c) => c.json(await auditOf(c)));

api.get("/cases/:workflow/:caseKey/audit.jsonl", async (c) => {
  const audit = await auditOf(c);
  return c.body(audit.entries.map((e) => JSON.stringify(e)).join("\n") + "\n", 200, {
    "content-type": "application/x-ndjson",
    "x-audit-verification": audit.verification.valid ? "valid" : `broken-at-${audit.verification.brokenAt}`,
  });
});

// Case keys contain `/`, `:` and `#`: callers URL-encode them as one path segment.
api.get("/cases/:workflow/:caseKey", async (c) => {
  const { workflow, caseKey } = c.req.param();
  const view = await caseView(c.env, caseId(workflow, caseKey));
  if (!view) throw notFound(workflow, caseKey);
  return c.json(view);
});

api.get("/dead-letters", async (c) => {
  const query = DeadLetterQuery.safeParse(c.req.query());
  if (!query.success) throw new ApiError(400, "invalid_query", z.prettifyError(query.error));
  const entries = await deadLetterStore(c.env).list(query.data);
  return c.json({ deadLetters: entries, next: entries.length === query.data.limit ? entries.at(-1)?.id : null });
});

async function deadLetterOf(store: DeadLetterStore, rawId: string) {
  const entry = await store.get(idParam(rawId));
  if (!entry) throw new ApiError(404, "dead_letter_not_found", `no dead letter ${rawId}`);
  return entry;
}

api.get("/dead-letters/:id", async (c) => c.json(await deadLetterOf(deadLetterStore(c.env), c.req.param("id"))));

/** Sends a kept event through today's routing, exactly as if it had just arrived. */
api.post("/dead-letters/:id/replay", async (c) => {
  const store = deadLetterStore(c.env);
  const entry = await deadLetterOf(store, c.req.param("id"));
  if (entry.replayedAt !== null) throw new ApiError(409, "already_replayed", `dead letter ${entry.id} was replayed at ${new Date(entry.replayedAt).toISOString()}`);
  const delivery = { id: entry.eventId, type: entry.type, occurredAt: entry.occurredAt ?? undefined, payload: entry.payload };
  const deps = cloudflareDispatch(c.env);
  // A replay that still finds no case must not file a second dead letter for the same event.
  const result = await dispatchDelivery({ ...deps, deadLetters: { add: async () => ({ id: entry.id, duplicate: true }) } }, entry.source, delivery, Date.now());
  if (result.status === "unroutable") throw new ApiError(409, "still_unroutable", result.reason ?? "no workflow takes this event");
  await store.markReplayed(entry.id, result);
  return c.json({ replayed: true, result });
});
