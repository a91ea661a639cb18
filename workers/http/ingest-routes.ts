/**
 * `POST /hooks/:source`: the one door SaaS senders knock on. Unknown source (404), rate limit (429), media type
 * (415), size (413), signature (401), syntax (400), then the case objects. Whatever we keep is answered 2xx: 202
 * once every event is durably stored in its case(s) or, when no case takes it, as a dead letter; 200 when all of
 * them were stored before. Senders treat any other answer as a failed delivery and retry it for days (Stripe) or
 * switch the endpoint off (Shopify), so a verified event nobody routes must never earn a 4xx.
 */
import { Hono } from "hono";
import { ApiError } from "../errors.ts";
import { carryOutDecision } from "../ingest/approvals.ts";
import { dispatchDelivery } from "../ingest/dispatch.ts";
import { readVerifiedRequest } from "../ingest/read.ts";
import { resolveSources } from "../ingest/sources/index.ts";
import { activeSecrets } from "../webhooks/hmac.ts";
import type { AppEnv } from "./app-env.ts";

export const hooks = new Hono<AppEnv>();

hooks.post("/:source", async (c) => {
  const name = c.req.param("source");
  const env = c.env as unknown as Record<string, unknown>;
  const source = resolveSources(c.env.WEBHOOK_SOURCES).get(name);
  if (!source) throw new ApiError(404, "unknown_source", `no webhook source named "${name}"`);
  const secrets = activeSecrets(env[source.secretBinding]);
  if (secrets.length === 0) {
    // Verification is never optional: a source without a secret accepts nothing.
    throw new ApiError(
      404,
      "source_not_configured",
      `webhook source "${name}" has no secret in ${source.secretBinding}`,
    );
  }
  const platform = c.var.platform;
  // Refused before anything is read or accepted: what is accepted must be run in time, and a 429 with Retry-After is
  // the one refusal every sender honours without counting it as a failed endpoint.
  const busy = platform.admission?.();
  if (busy) {
    c.header("Retry-After", String(busy.retryAfterSeconds));
    throw new ApiError(
      429,
      "overloaded",
      `accepted events are still waiting to run; retry after ${busy.retryAfterSeconds} s`,
    );
  }
  const receivedAt = Date.now();
  const maxBodyBytes = Math.min(source.maxBodyBytes, platform.maxBodyBytes ?? Infinity);
  // The limiter is a round trip of its own: ask it while the body is read and verified, and honour its answer first.
  const allowed = platform.rateLimit ? platform.rateLimit(name) : true;
  const verified = readVerifiedRequest(c, { ...source, maxBodyBytes }, secrets, receivedAt).then(
    (request) => ({ request }),
    (error: unknown) => ({ error }),
  );
  if (!(await allowed)) {
    c.header("Retry-After", c.env.INGEST_RATE_LIMIT_PERIOD ?? "60");
    throw new ApiError(
      429,
      "rate_limited",
      `too many ${name} webhooks; retry after ${c.env.INGEST_RATE_LIMIT_PERIOD ?? "60"} s`,
    );
  }
  const outcome = await verified;
  if ("error" in outcome) throw outcome.error;
  const { request } = outcome;
  const handshake = source.handshake?.(request);
  if (handshake) return c.json(handshake);
  const deliveries = source.deliveries(request);
  if ("error" in deliveries) throw new ApiError(400, "missing_event_identity", deliveries.error);
  if (deliveries.length === 1 && deliveries[0]!.type === "ping")
    return c.json({ ok: true, pong: true, id: deliveries[0]!.id });
  // A person's decision (a click on an approval message) is carried out on its case, not routed to a workflow.
  const decision = source.decision?.(deliveries, env);
  if (decision) return c.json(await carryOutDecision(platform, decision));

  const raw = request.kind === "json" ? { value: request.body, text: request.text } : undefined;
  const deps = { ...platform, config: env };
  const results = await Promise.all(deliveries.map((d) => dispatchDelivery(deps, source.name, d, receivedAt, raw)));
  const storedBefore = (r: (typeof results)[number]) =>
    r.status === "duplicate" || (r.status === "dead_lettered" && r.deadLetterDuplicate === true);
  const body = {
    accepted: results.filter((r) => r.status === "accepted").length,
    deadLettered: results.filter((r) => r.status === "dead_lettered").length,
    duplicate: results.every(storedBefore),
    deliveries: results,
  };
  return c.json(body, body.duplicate ? 200 : 202);
});
