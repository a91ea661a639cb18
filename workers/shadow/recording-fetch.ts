/**
 * The only "network" a candidate sees in a shadow run: a fetch handed to every connector through configuration
 * (`CONNECTOR_FETCH`, workers/connectors/http.ts). Nothing it is given leaves the sandbox. A write (any method but GET)
 * is recorded against the step that sent it and answered as the real API answers a success, where that answer is
 * knowable from the request; a read, or a write whose answer is not knowable, is refused and marks the case as one the
 * sandbox cannot run honestly (production's steps answer the reads production made: see `recordedAnswer`).
 */
import type { ShadowWrite } from "../../db/rollouts/shadow-reports.ts";

/** Why the sandbox had to stop a case: the candidate needed something production's record cannot answer. */
export interface SandboxRefusal {
  stepId: string | null;
  reason: string;
}

/** Thrown into the connector (which sees an unreachable system); the case is stopped with `refusal`. */
export class SandboxRefused extends Error {
  override name = "SandboxRefused";
}

type Answer = (request: { path: string; body: Record<string, unknown>; n: number; now: number }) => unknown;

const asNumber = (value: unknown) => (typeof value === "number" ? value : Number(value));

/**
 * Success answers of the writes Crossflow's connectors send, by method and path, each the shape the connector reads
 * (the ids are recognisably the sandbox's own). A write not listed here has no knowable answer.
 */
const ANSWERS: { method: string; path: RegExp; answer: Answer }[] = [
  {
    method: "POST",
    path: /\/v1\/refunds$/,
    answer: ({ body, n }) => ({
      id: `re_shadow_${n}`,
      object: "refund",
      charge: body.charge,
      amount: asNumber(body.amount),
      ...(body.currency ? { currency: body.currency } : {}),
      status: "succeeded",
    }),
  },
  { method: "POST", path: /\/v1\/customers$/, answer: ({ body, n }) => ({ id: `cus_shadow_${n}`, email: body.email }) },
  { method: "POST", path: /\/v1\/subscriptions$/, answer: ({ n }) => ({ id: `sub_shadow_${n}`, status: "active" }) },
  { method: "POST", path: /\/emails$/, answer: ({ n }) => ({ id: `shadow-email-${n}` }) },
  {
    method: "POST",
    path: /\/chat\.(postMessage|update)$/,
    answer: ({ body, n, now }) => ({
      ok: true,
      channel: body.channel ?? "C0SHADOW",
      ts: `${Math.floor(now / 1000)}.${String(n).padStart(6, "0")}`,
    }),
  },
  {
    method: "PUT",
    path: /\/api\/v2\/tickets\/[^/]+\.json$/,
    answer: ({ path, body, now }) => {
      const ticket = (body.ticket ?? {}) as Record<string, unknown>;
      const id = decodeURIComponent(/tickets\/([^/]+)\.json$/.exec(path)![1]!);
      return { ticket: { id, status: ticket.status ?? "open", updated_at: new Date(now).toISOString() } };
    },
  },
  {
    method: "POST",
    path: /\/Messages\.json$/,
    answer: ({ body, n }) => ({ sid: `SMshadow${n}`, status: "queued", to: body.To, body: body.Body }),
  },
  { method: "POST", path: /\/v1\/activations$/, answer: ({ n }) => ({ id: `act_shadow_${n}`, status: "active" }) },
  { method: "POST", path: /\/crm\/v3\/objects\/notes$/, answer: ({ n }) => ({ id: `shadow-note-${n}` }) },
];

function parseBody(text: string | undefined, contentType: string | null): unknown {
  if (text === undefined || text === "") return null;
  if (contentType?.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * One case's recording fetch. `stepId` is the step whose function runs now (set by the sandbox's store when an
 * attempt begins), so each write is filed under the step that sent it.
 * @example
 * const recording = new RecordingFetch(() => clock.now);
 * const config = { ...env, [CONNECTOR_FETCH]: recording.fetch };
 */
export class RecordingFetch {
  readonly writes: (ShadowWrite & { stepId: string | null })[] = [];
  /** The first thing the sandbox could not answer; the case stops there. */
  refusal: SandboxRefusal | null = null;
  stepId: string | null = null;

  constructor(private readonly now: () => number) {}

  readonly fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const path = `${url.pathname}${url.search}`;
    const text = method === "GET" || method === "HEAD" ? undefined : await request.text();
    if (method === "GET" || method === "HEAD") {
      return this.refuse(
        `the candidate needs a read production never made: ${method} ${url.host}${path} (step ${this.stepId ?? "?"})`,
      );
    }
    const body = parseBody(text, request.headers.get("content-type"));
    const known = ANSWERS.find((a) => a.method === method && a.path.test(url.pathname));
    const write = { stepId: this.stepId, host: url.host, method, path, body };
    if (!known) {
      this.writes.push(write);
      return this.refuse(
        `the candidate sends a write whose answer the sandbox cannot know: ${method} ${url.host}${path} (step ${this.stepId ?? "?"})`,
      );
    }
    this.writes.push(write);
    const fields = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : {};
    const answer = known.answer({ path: url.pathname, body: fields, n: this.writes.length, now: this.now() });
    return new Response(JSON.stringify(answer), { status: 200, headers: { "content-type": "application/json" } });
  };

  private refuse(reason: string): never {
    this.refusal ??= { stepId: this.stepId, reason };
    throw new SandboxRefused(reason);
  }
}
