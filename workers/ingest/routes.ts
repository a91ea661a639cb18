/**
 * `POST /hooks/:source`: the one door SaaS senders knock on. Order matters: unknown source (404), oversized
 * body (413), signature (401), then JSON (400), so an unsigned request learns nothing about parsing.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { routeEvent, type EventEnvelope } from "../engine/index.ts";
import type { Env } from "../env.ts";
import { ApiError } from "../errors.ts";
import { WORKFLOWS } from "../workflows/index.ts";
import { SOURCES } from "./index.ts";

export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export const hooks = new Hono<{ Bindings: Env }>();

hooks.post(
  "/:source",
  async (c, next) => {
    const source = SOURCES[c.req.param("source")];
    if (!source) throw new ApiError(404, "unknown_source", `no webhook source named "${c.req.param("source")}"; known: ${Object.keys(SOURCES).join(", ")}`);
    if (source.secrets(c.env as unknown as Record<string, string>).length === 0) {
      // Verification is never optional: a source without a secret accepts nothing.
      throw new ApiError(404, "source_not_configured", `webhook source "${source.name}" has no secret configured`);
    }
    await next();
  },
  bodyLimit({
    maxSize: MAX_WEBHOOK_BYTES,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `webhook bodies are limited to ${MAX_WEBHOOK_BYTES} bytes`);
    },
  }),
  async (c) => {
    const source = SOURCES[c.req.param("source")]!;
    const body = new Uint8Array(await c.req.arrayBuffer());
    const failure = await source.verify(
      { method: c.req.method, url: c.req.url, headers: c.req.raw.headers, body },
      source.secrets(c.env as unknown as Record<string, string>),
    );
    if (failure) throw new ApiError(401, failure.code, failure.message);

    let payload: unknown;
    try {
      payload = JSON.parse(new TextDecoder().decode(body));
    } catch (cause) {
      throw new ApiError(400, "invalid_json", "webhook body is not valid JSON", { cause });
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      throw new ApiError(400, "invalid_payload", "webhook body must be a JSON object");
    }
    const identity = source.identify(c.req.raw.headers, payload);
    if ("error" in identity) throw new ApiError(400, "missing_delivery_headers", identity.error);
    if (identity.type === "ping") return c.json({ ok: true, pong: true, id: identity.id });

    const route = routeEvent(WORKFLOWS, source.name, identity.type, payload);
    if (!route) throw new ApiError(422, "unroutable_event", `no workflow takes ${source.name} "${identity.type}" events with this payload`);

    const envelope: EventEnvelope = {
      ...identity,
      source: source.name,
      receivedAt: Date.now(),
      caseKey: route.caseKey,
      workflow: { id: route.workflow.id, version: route.workflow.version },
      payload,
    };
    const result = await c.env.CASES.getByName(route.caseKey).ingest(envelope);
    return c.json(
      { accepted: true, duplicate: result.duplicate, eventId: identity.id, caseKey: result.caseKey, workflow: envelope.workflow },
      result.duplicate ? 200 : 202,
    );
  },
);
