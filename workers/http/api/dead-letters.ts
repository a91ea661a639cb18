/** Dead letters: the events (and metric batches) nothing could take, listed, read and replayed by a person. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { DeadLetter, DeadLetterPage, DeadLetterQuery, ReplayAnswer, ReplayBody } from "../../case-api.ts";
import type { DeadLetterWithPayload } from "../../dead-letters/types.ts";
import { ApiError } from "../../errors.ts";
import { dispatchDelivery } from "../../ingest/dispatch.ts";
import { METRICS_DEAD_LETTER_SOURCE, parseMetricBatch } from "../../metrics/index.ts";
import type { AppEnv } from "../app-env.ts";
import type { DeadLetterStore, Platform } from "../platform.ts";
import { authorize } from "./auth.ts";
import { json, refusals, serve } from "./openapi.ts";

export const deadLetters = new OpenAPIHono<AppEnv>();

/** The same cap as a decision's: a replay body names one workflow at most. */
const MAX_REPLAY_BYTES = 16 * 1024;

const idParam = (raw: string) => {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new ApiError(400, "invalid_id", `"${raw}" is not a dead-letter id`);
  return id;
};

const DeadLetterPath = z.object({ id: z.string().describe("a dead letter's id, a positive integer (400 invalid_id)") });

const listDeadLetters = createRoute({
  method: "get",
  path: "/dead-letters",
  summary: "Dead letters, newest first, with `next` for paging",
  request: { query: DeadLetterQuery },
  responses: { 200: json("a page of dead letters", DeadLetterPage), ...refusals({ 400: "`invalid_query`" }) },
});
serve(deadLetters, listDeadLetters, async (c) => {
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

const readDeadLetter = createRoute({
  method: "get",
  path: "/dead-letters/{id}",
  summary: "One dead letter with its payload and reason",
  request: { params: DeadLetterPath },
  responses: {
    200: json("the dead letter", DeadLetter),
    ...refusals({ 400: "`invalid_id`", 404: "`dead_letter_not_found`" }),
  },
});
serve(deadLetters, readDeadLetter, async (c) => {
  authorize(c.var.caller, "viewer", "*");
  return c.json(await deadLetterOf(c.var.platform.deadLetters, c.req.param("id")));
});

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

async function replayChoice(c: Context<AppEnv>): Promise<{ workflow?: string }> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  if (new TextEncoder().encode(text).byteLength > MAX_REPLAY_BYTES)
    throw new ApiError(413, "payload_too_large", `a replay body is at most ${MAX_REPLAY_BYTES} bytes`);
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

const replay = createRoute({
  method: "post",
  path: "/dead-letters/{id}/replay",
  summary: "Routes the event again as if it had just arrived (operator keys)",
  request: {
    params: DeadLetterPath,
    body: {
      required: false,
      description: "only for a customer's message a person has to place: the workflow whose case it answers",
      content: { "application/json": { schema: ReplayBody } },
    },
  },
  responses: {
    200: json("what routing (or the metrics delivery) did with it", ReplayAnswer),
    ...refusals({
      400: "`invalid_id`, `invalid_json`, `invalid_replay`",
      404: "`dead_letter_not_found`",
      409: "`already_replayed`, `still_unroutable`, `metrics_not_configured`",
      413: "`payload_too_large` (16 KiB)",
      422: "`malformed_metric_batch`",
    }),
  },
});

/**
 * Sends a kept event through today's routing, exactly as if it had just arrived. A customer's message that named
 * no conversation while several of their cases were open is replayed into the case a person picked:
 * `{ "workflow": "<id>" }` (one of the candidates the dead letter's reason lists).
 */
serve(deadLetters, replay, async (c) => {
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
