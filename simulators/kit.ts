/**
 * What every local simulator of a SaaS system shares: bearer-key auth, a request log the tests read, injectable
 * faults (5xx, 429 with Retry-After, slow answers), and the providers' idempotency-key semantics. Web-standard
 * Hono, so a simulator runs under Node for `npm start` and the tests, or anywhere else Hono runs.
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";

export interface LoggedRequest {
  method: string;
  path: string;
  /** The query string (`?To=…`), empty when none: what a lookup asked for. */
  query: string;
  idempotencyKey: string | null;
  /** True when the answer was replayed from an earlier request with the same key (no effect happened). */
  replayed: boolean;
  status: number;
  at: number;
}

export interface Fault {
  /** Answer with this status instead of handling the request (e.g. 500, 503, 429). */
  status?: number;
  /** Seconds, sent as `Retry-After` (with 429/503). */
  retryAfter?: number;
  /** Delay before answering, in ms. */
  delayMs?: number;
  /** How many requests it applies to (default 1). */
  times?: number;
}

interface StoredAnswer {
  fingerprint: string;
  status: number;
  body: string;
  contentType: string;
}

export interface Simulator {
  app: Hono;
  log: LoggedRequest[];
  faults: Fault[];
}

/** Stripe's rule, which most providers copy: same key and same request → the first answer again; same key, other request → 400. */
function idempotency(sim: Simulator, stored: Map<string, StoredAnswer>, inFlight: Set<string>): MiddlewareHandler {
  return async (c, next) => {
    const key = c.req.header("idempotency-key") ?? null;
    const entry: LoggedRequest = {
      method: c.req.method,
      path: c.req.path,
      query: new URL(c.req.url).search,
      idempotencyKey: key,
      replayed: false,
      status: 0,
      at: Date.now(),
    };
    sim.log.push(entry);
    if (!key || c.req.method !== "POST") {
      await next();
      entry.status = c.res.status;
      return;
    }
    const fingerprint = `${c.req.method} ${c.req.path} ${await c.req.raw.clone().text()}`;
    const previous = stored.get(key);
    if (previous) {
      entry.replayed = true;
      if (previous.fingerprint !== fingerprint) {
        entry.status = 400;
        return c.json(
          {
            error: {
              type: "idempotency_error",
              message: `Keys for idempotent requests can only be used with the same parameters (${key})`,
            },
          },
          400,
        );
      }
      entry.status = previous.status;
      return new Response(previous.body, {
        status: previous.status,
        headers: { "content-type": previous.contentType, "idempotent-replayed": "true" },
      });
    }
    if (inFlight.has(key)) {
      entry.status = 409;
      return c.json({ error: { type: "idempotency_error", message: "a request with this key is in progress" } }, 409);
    }
    inFlight.add(key);
    try {
      await next();
      entry.status = c.res.status;
      // Like Stripe: answers of requests that began executing are kept, 4xx validation failures are not.
      if (c.res.status < 400 || c.res.status >= 500) {
        stored.set(key, {
          fingerprint,
          status: c.res.status,
          body: await c.res.clone().text(),
          contentType: c.res.headers.get("content-type") ?? "application/json",
        });
      }
    } finally {
      inFlight.delete(key);
    }
  };
}

/**
 * @example
 * const sim = createSimulator({ apiKey: "sk_test_local" });
 * sim.app.post("/v1/refunds", (c) => c.json({ id: "re_1" }));
 */
export interface SimulatorOptions {
  apiKey: string;
  /** `bearer` (default): `Authorization: Bearer <apiKey>`; `basic`: HTTP basic auth with `apiKey` = `user:password` (Twilio). */
  auth?: "bearer" | "basic";
  /**
   * A provider whose callers log in first (Salesforce's OAuth): whether this request's `Authorization` header is
   * accepted, in place of the fixed key. `apiKey` is then unused.
   */
  authorized?: (authorization: string | undefined, path: string) => boolean;
  /** The provider's own answer to a refused key (Slack answers 200 `{ ok: false }`); default 401 Stripe-style. */
  unauthorized?: (c: Context) => Response | Promise<Response>;
  /** False for providers without idempotency keys (Twilio, Slack): a repeated request acts again, as there. */
  idempotency?: boolean;
}

export function createSimulator(options: SimulatorOptions): Simulator {
  const app = new Hono();
  const sim: Simulator = { app, log: [], faults: [] };
  const stored = new Map<string, StoredAnswer>();
  const expected = options.auth === "basic" ? `Basic ${btoa(options.apiKey)}` : `Bearer ${options.apiKey}`;

  // Controls for tests and demos, outside auth (the simulator is local-only).
  app.get("/_sim/requests", (c) => c.json({ requests: sim.log }));
  app.post("/_sim/faults", async (c) => {
    const fault = (await c.req.json()) as Fault;
    sim.faults.push({ times: 1, ...fault });
    return c.json({ queued: sim.faults.length }, 201);
  });
  /** Drops the faults no call has used yet (a scenario that queued more than its calls took). */
  app.delete("/_sim/faults", (c) => {
    const dropped = sim.faults.length;
    sim.faults.length = 0;
    return c.json({ dropped });
  });

  // Simulator controls sit under `/_sim/` (mounted: `/<system>/_sim/`) and skip auth, faults and the request log.
  const isControl = (path: string) => path.includes("/_sim/");
  app.use("*", async (c, next) => {
    if (isControl(c.req.path)) return next();
    const authorization = c.req.header("authorization");
    if (options.authorized ? !options.authorized(authorization, c.req.path) : authorization !== expected) {
      return options.unauthorized
        ? options.unauthorized(c)
        : c.json({ error: { type: "invalid_request_error", message: "Invalid API key provided" } }, 401);
    }
    const fault = sim.faults[0];
    if (fault) {
      if (--fault.times! <= 0) sim.faults.shift();
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.status) {
        sim.log.push({
          method: c.req.method,
          path: c.req.path,
          query: new URL(c.req.url).search,
          idempotencyKey: c.req.header("idempotency-key") ?? null,
          replayed: false,
          status: fault.status,
          at: Date.now(),
        });
        const headers: Record<string, string> =
          fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {};
        return c.json(
          { error: { type: "api_error", message: `simulated ${fault.status}` } },
          fault.status as 500,
          headers,
        );
      }
    }
    return next();
  });
  const tracked: MiddlewareHandler =
    options.idempotency === false
      ? async (c, next) => {
          const entry: LoggedRequest = {
            method: c.req.method,
            path: c.req.path,
            query: new URL(c.req.url).search,
            idempotencyKey: c.req.header("idempotency-key") ?? null,
            replayed: false,
            status: 0,
            at: Date.now(),
          };
          sim.log.push(entry);
          await next();
          entry.status = c.res.status;
        }
      : idempotency(sim, stored, new Set());
  app.use("*", (c, next) => (isControl(c.req.path) ? next() : tracked(c, next)));
  return sim;
}

/** A provider-style object id, e.g. `re_3f9a…`. */
export const objectId = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;

/** Reads a form-encoded (Stripe) or JSON body into a flat record. */
export async function readParams(c: Context): Promise<Record<string, string>> {
  const type = c.req.header("content-type") ?? "";
  if (type.startsWith("application/x-www-form-urlencoded"))
    return Object.fromEntries(new URLSearchParams(await c.req.text()));
  return (await c.req.json()) as Record<string, string>;
}
