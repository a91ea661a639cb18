/**
 * Throws 100,000 generated requests at the ingest route inside workerd: correctly signed ones (whole or streamed in
 * chunks), ones mutated in a way that must invalidate them, signed bodies nested just under and far over the depth
 * limit, signed requests re-sent under a new unsigned id header, oversized and lying bodies, and random garbage.
 * Invariants: no answer is a 5xx; no invalid request is accepted; every valid signed request is answered 2xx
 * (stored in a case or as a dead letter); an id-header swap is always a duplicate.
 */
import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { issueOpenedPayload, type SignedRequest, sign, stripeInvoiceEvent } from "../../scripts/senders.ts";
import { app } from "../../workers/platform/cloudflare/index.ts";
import { jsonDepth, MAX_JSON_DEPTH } from "../../workers/webhooks/json-limits.ts";
import { DEFAULT_MAX_BODY_BYTES } from "../../workers/webhooks/source.ts";
import { ORIGIN, secret } from "./helpers.ts";

const RUNS = 100_000;
/** Batches of runs, each its own test and seed, so a failure names a small reproducible slice. */
const BATCHES = 20;
const PER_BATCH = RUNS / BATCHES;
/** Requests of one property run, sent at once: fewer sequential round trips through the test runner per request. */
const GROUP = 5;
const tally = new Map<number, number>();
const kinds = new Map<string, number>();
const SIGNATURE_HEADERS = [
  "x-hub-signature-256",
  "stripe-signature",
  "x-slack-signature",
  "webhook-signature",
  "x-hubspot-signature-v3",
  "x-zendesk-webhook-signature",
  "x-shopify-hmac-sha256",
  "x-twilio-signature",
  "x-signature",
];
/** Headers that name a delivery without being signed: swapping one must not make a new event. */
const UNSIGNED_ID_HEADERS = [
  "x-github-delivery",
  "x-shopify-webhook-id",
  "x-event-id",
  "x-zendesk-webhook-invocation-id",
];

/** What the fuzz asserts about one request. */
type Expect =
  | { kind: "accept" } // validly signed: any 2xx, routed or dead-lettered
  | { kind: "duplicate" } // a stored delivery under a new unsigned id header: 200, duplicate
  | { kind: "reject"; code?: string } // must not be accepted; `code` when exactly one answer is right
  | { kind: "any" }; // only the no-5xx invariant (e.g. a signed body under a Content-Length that lies)

interface Generated {
  request: SignedRequest;
  /** Sent as a stream in chunks of these sizes (no Content-Length), instead of as one string. */
  chunks?: number[];
  /** Extra bytes streamed after the body (an oversized upload). */
  oversize?: number;
  expect: Expect;
  /** The generator, for the tally of inputs by kind. */
  label: string;
  why: string;
}

interface Corpus {
  valid: SignedRequest[];
  staleButSigned: SignedRequest[];
  /** Signed requests whose id header is not signed, each already stored once. */
  swappable: SignedRequest[];
  /** Signed bodies around the depth limit: [request, depth]. */
  deep: [SignedRequest, number][];
}

/** `payload` as JSON text with a `pad` of arrays added, nesting the whole body `depth` levels (built as text: a
 * value 100,000 levels deep is beyond JSON.stringify's own recursion). */
function padded(payload: object, depth: number): string {
  const pad = `${"[".repeat(depth - 1)}0${"]".repeat(depth - 1)}`;
  return `${JSON.stringify(payload).slice(0, -1)},"pad":${pad}}`;
}

/**
 * Signed fresh for each batch (the timestamped schemes allow 5 minutes), and the swappable ones sent once first, so a
 * swap of their id header has something to be a duplicate of.
 */
async function corpus(batch: number): Promise<Corpus> {
  const old = { timestamp: Math.floor(Date.now() / 1000) - 3600, origin: ORIGIN };
  const o = { origin: ORIGIN };
  const zendeskTrigger = async () => {
    const r = await sign.zendesk(secret("ZENDESK_WEBHOOK_SECRET"), { ticket: `fuzz-${batch}`, status: "open" });
    return { ...r, headers: { ...r.headers, "x-zendesk-webhook-invocation-id": `inv-${batch}` } };
  };
  const swappable = await Promise.all([
    sign.github(secret("GITHUB_WEBHOOK_SECRET"), "issues", issueOpenedPayload("fuzz/repo", 1)),
    sign.github(secret("GITHUB_WEBHOOK_SECRET"), "star", { action: "created", repository: { full_name: "fuzz/repo" } }),
    sign.shopify(secret("SHOPIFY_WEBHOOK_SECRET"), "orders/create", { id: 1 }),
    sign.provisioning(secret("PROVISIONING_WEBHOOK_SECRET"), "prov-1", {
      event: "service.activated",
      customer: "fuzz@example.com",
    }),
    zendeskTrigger(),
  ]);
  const valid = [
    ...swappable,
    ...(await Promise.all([
      sign.stripe(
        secret("STRIPE_WEBHOOK_SECRET"),
        stripeInvoiceEvent("invoice.payment_failed", "fuzz@example.com", "in_FUZZ", "evt_fuzz_1"),
      ),
      sign.slack(secret("SLACK_SIGNING_SECRET"), {
        type: "event_callback",
        event_id: "Ev1",
        event: { type: "message", text: "hi" },
      }),
      sign.standardWebhooks(
        "resend",
        secret("RESEND_WEBHOOK_SECRET"),
        { type: "email.received", data: { from: "fuzz@example.com" } },
        { id: "msg_fuzz_1" },
      ),
      sign.hubspot(
        secret("HUBSPOT_CLIENT_SECRET"),
        [{ eventId: 1, subscriptionType: "deal.propertyChange", objectId: 7, occurredAt: 1_700_000_000_000 }],
        o,
      ),
      sign.zendesk(secret("ZENDESK_WEBHOOK_SECRET"), {
        id: "zd-fuzz",
        type: "zen:event-type:ticket.created",
        detail: { requester: { email: "fuzz@example.com" } },
      }),
      sign.twilio(
        secret("TWILIO_AUTH_TOKEN"),
        { MessageSid: "SMfuzz", From: "+4915112345678", Body: "Hallo + tschüss & co", SmsStatus: "received" },
        o,
      ),
    ])),
  ];
  const staleButSigned = await Promise.all([
    sign.stripe(
      secret("STRIPE_WEBHOOK_SECRET"),
      stripeInvoiceEvent("invoice.paid", "fuzz@example.com", "in_FUZZ"),
      old,
    ),
    sign.slack(
      secret("SLACK_SIGNING_SECRET"),
      { type: "event_callback", event_id: "Ev2", event: { type: "message" } },
      old,
    ),
    sign.standardWebhooks("resend", secret("RESEND_WEBHOOK_SECRET"), { type: "email.received", data: {} }, old),
    sign.hubspot(
      secret("HUBSPOT_CLIENT_SECRET"),
      [{ eventId: 2, subscriptionType: "contact.creation", objectId: 8 }],
      old,
    ),
    sign.zendesk(secret("ZENDESK_WEBHOOK_SECRET"), { id: "zd-old", type: "zen:event-type:ticket.created" }, old),
    sign.provisioning(secret("PROVISIONING_WEBHOOK_SECRET"), "prov-old", { event: "service.activated" }, old),
  ]);
  const depths = [MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, MAX_JSON_DEPTH + 2, 4_000, 100_000];
  const deep = (
    await Promise.all(
      depths.map((depth) =>
        Promise.all([
          sign.stripe(
            secret("STRIPE_WEBHOOK_SECRET"),
            padded(
              {
                object: "event",
                ...stripeInvoiceEvent(
                  "invoice.payment_failed",
                  `deep-${depth}@example.com`,
                  "in_DEEP",
                  `evt_deep_${depth}`,
                ),
              },
              depth,
            ),
          ),
          sign.github(secret("GITHUB_WEBHOOK_SECRET"), "issues", padded(issueOpenedPayload("fuzz/deep", depth), depth)),
          sign.shopify(secret("SHOPIFY_WEBHOOK_SECRET"), "orders/create", padded({ id: depth }, depth)),
          sign.hmacSource(
            "provisioning",
            secret("PROVISIONING_WEBHOOK_SECRET"),
            `prov-deep-${depth}`,
            padded({ event: "service.activated" }, depth) as never,
          ),
        ]).then((requests) =>
          requests.map((r) => {
            if (jsonDepth(r.body, Infinity) !== depth)
              throw new Error(`${r.path} body nests ${jsonDepth(r.body, Infinity)}, not ${depth}`);
            return [r, depth] as [SignedRequest, number];
          }),
        ),
      ),
    )
  ).flat();
  for (const request of swappable) {
    const res = await deliver({
      request,
      expect: { kind: "accept" },
      label: "setup",
      why: "stored before its id is swapped",
    });
    if (res.status >= 300)
      throw new Error(`could not store ${request.path} before the swaps: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return { valid, staleButSigned, swappable, deep };
}

const bytesOf = (s: string) => new TextEncoder().encode(s);

function flipByte(request: SignedRequest, position: number): Generated {
  const body = bytesOf(request.body);
  const at = position % body.length;
  body[at] = body[at]! ^ 0x01;
  return {
    request: { ...request, body: new TextDecoder("latin1").decode(body) },
    expect: { kind: "reject" },
    label: "byte flipped",
    why: `byte ${at} flipped`,
  };
}

const withHeaders = (r: SignedRequest, headers: Record<string, string>): SignedRequest => ({
  ...r,
  headers: { ...r.headers, ...headers },
});

const generated = (c: Corpus): fc.Arbitrary<Generated> => {
  const base = fc.constantFrom(...c.valid);
  const chunking = fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 12 });
  return fc.oneof(
    {
      weight: 4,
      arbitrary: base.map(
        (request) => ({ request, expect: { kind: "accept" }, label: "valid", why: "valid" }) satisfies Generated,
      ),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(base, chunking).map(
        ([request, chunks]) =>
          ({
            request,
            chunks,
            expect: { kind: "accept" },
            label: "valid, streamed",
            why: `valid, streamed in chunks ${chunks.join(",")}`,
          }) satisfies Generated,
      ),
    },
    { weight: 4, arbitrary: fc.tuple(base, fc.nat()).map(([r, p]) => flipByte(r, p)) },
    {
      weight: 2,
      arbitrary: base.map(
        (r) =>
          ({
            request: {
              ...r,
              headers: Object.fromEntries(Object.entries(r.headers).filter(([k]) => !SIGNATURE_HEADERS.includes(k))),
            },
            expect: { kind: "reject", code: "missing_signature" },
            label: "signature removed",
            why: "signature removed",
          }) satisfies Generated,
      ),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(base, fc.string({ maxLength: 120 })).map(
        ([r, junk]) =>
          ({
            request: {
              ...r,
              headers: Object.fromEntries(
                Object.entries(r.headers).map(([k, v]) => [k, SIGNATURE_HEADERS.includes(k) ? junk : v]),
              ),
            },
            expect: { kind: "reject" },
            label: "signature replaced",
            why: "signature replaced",
          }) satisfies Generated,
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...c.staleButSigned).map(
        (request) =>
          ({
            request,
            expect: { kind: "reject", code: "stale_timestamp" },
            label: "stale timestamp",
            why: "stale timestamp",
          }) satisfies Generated,
      ),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(base, fc.string({ maxLength: 64 })).map(([r, tail]) => {
        const body = r.body.slice(0, Math.max(0, r.body.length - 1 - (tail.length % 8))) + tail;
        return {
          request: { ...r, body },
          expect: body !== r.body ? { kind: "reject" } : { kind: "accept" },
          label: "body truncated and extended",
          why: "body truncated and extended",
        } satisfies Generated;
      }),
    },
    // Signed bodies nested just under, at and over the limit, and thousands deep.
    {
      weight: 2,
      arbitrary: fc.constantFrom(...c.deep).map(
        ([request, depth]) =>
          ({
            request,
            expect: depth <= MAX_JSON_DEPTH ? { kind: "accept" } : { kind: "reject", code: "payload_too_deep" },
            label: depth <= MAX_JSON_DEPTH ? "nested at or under the limit" : "nested over the limit",
            why: `signed body nested ${depth} deep`,
          }) satisfies Generated,
      ),
    },
    // A stored delivery re-sent under a new unsigned id header: the same event, never a second one.
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...c.swappable), fc.stringMatching(/^[A-Za-z0-9._:-]{1,48}$/))
        .map(([r, id]) => {
          const header = UNSIGNED_ID_HEADERS.find((h) => h in r.headers)!;
          return {
            request: withHeaders(r, { [header]: id }),
            expect: { kind: "duplicate" },
            label: "id header swapped",
            why: `${header} swapped to ${id}`,
          } satisfies Generated;
        }),
    },
    // Past the cap, streamed with no Content-Length or declared by one (honestly or not).
    {
      weight: 1,
      arbitrary: fc.tuple(base, fc.integer({ min: 1, max: 512 * 1024 }), chunking).map(
        ([request, extra, chunks]) =>
          ({
            request,
            chunks: chunks.map((n) => n * 16),
            oversize: DEFAULT_MAX_BODY_BYTES + extra,
            expect: { kind: "reject", code: "payload_too_large" },
            label: "oversized stream",
            why: `streamed ${DEFAULT_MAX_BODY_BYTES + extra} bytes past the body`,
          }) satisfies Generated,
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          base,
          fc.oneof(
            fc.integer({ min: 0, max: 4096 }),
            fc.integer({ min: DEFAULT_MAX_BODY_BYTES + 1, max: 64 * 1024 * 1024 }),
          ),
        )
        .map(
          ([request, declared]) =>
            ({
              request: withHeaders(request, { "content-length": String(declared) }),
              chunks: [1024],
              expect:
                declared > DEFAULT_MAX_BODY_BYTES ? { kind: "reject", code: "payload_too_large" } : { kind: "any" },
              label: declared > DEFAULT_MAX_BODY_BYTES ? "Content-Length over the cap" : "Content-Length that lies",
              why: `Content-Length ${declared} on a ${request.body.length}-byte body`,
            }) satisfies Generated,
        ),
    },
    {
      weight: 4,
      arbitrary: fc
        .record({
          path: fc.oneof(
            fc.constantFrom("/hooks/github", "/hooks/stripe", "/hooks/twilio", "/hooks/resend", "/hooks/provisioning"),
            fc.string({ maxLength: 30 }).map((s) => `/hooks/${encodeURIComponent(s)}`),
          ),
          headers: fc.dictionary(
            fc.constantFrom(
              "content-type",
              ...SIGNATURE_HEADERS,
              ...UNSIGNED_ID_HEADERS,
              "webhook-id",
              "webhook-timestamp",
              "x-slack-request-timestamp",
            ),
            fc.string({ maxLength: 80 }),
            { maxKeys: 6 },
          ),
          body: fc.oneof(fc.string({ maxLength: 400 }), fc.json({ maxDepth: 3 })),
        })
        .map(
          (request) =>
            ({
              request,
              expect: { kind: "reject" },
              label: "random request",
              why: "random request",
            }) satisfies Generated,
        ),
    },
  );
};

function sanitizeHeaders(headers: Record<string, string>): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(headers)) {
    try {
      out.set(k, v);
    } catch {
      // A value no HTTP client could send (control characters) is dropped, as it would be on the wire.
    }
  }
  return out;
}

const FILLER = new Uint8Array(64 * 1024).fill(0x20);

/** The body as a stream: the request's bytes in the given chunk sizes, then `oversize` filler bytes. */
function streamed(body: string, chunks: number[], oversize = 0): ReadableStream<Uint8Array> {
  const bytes = bytesOf(body);
  let offset = 0;
  let turn = 0;
  let extra = oversize;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset < bytes.length) {
        const size = chunks[turn++ % chunks.length]!;
        controller.enqueue(bytes.subarray(offset, offset + size));
        offset += size;
      } else if (extra > 0) {
        const size = Math.min(extra, FILLER.length);
        controller.enqueue(FILLER.subarray(0, size));
        extra -= size;
      } else {
        controller.close();
      }
    },
  });
}

async function deliver(
  g: Generated,
): Promise<{ status: number; body: { duplicate?: boolean; error?: { code: string; message: string } } }> {
  const { request, chunks, oversize } = g;
  const init: RequestInit & { duplex?: "half" } = { method: "POST", headers: sanitizeHeaders(request.headers) };
  if (chunks) {
    init.body = streamed(request.body, chunks, oversize);
    init.duplex = "half";
  } else {
    init.body = request.body;
  }
  // A request that never gets an answer is as much a failure as a 5xx.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const res = await Promise.race([
    // The Hono app itself, with the real bindings: workerd's self-service loopback (`exports.default.fetch`)
    // stalls after ~1,000 calls from one test file, far short of a fuzz run.
    app.request(`${ORIGIN}${request.path}`, init, env),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within 10 s to ${g.why}: ${JSON.stringify(request).slice(0, 2000)}`)),
        10_000,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  return {
    status: res.status,
    body: (await res.json()) as { duplicate?: boolean; error?: { code: string; message: string } },
  };
}

function check(g: Generated, { status, body }: Awaited<ReturnType<typeof deliver>>): void {
  tally.set(status, (tally.get(status) ?? 0) + 1);
  kinds.set(g.label, (kinds.get(g.label) ?? 0) + 1);
  const detail = `${g.why} → ${status} ${JSON.stringify(body).slice(0, 300)}`;
  expect(status, detail).toBeLessThan(500);
  switch (g.expect.kind) {
    case "accept":
      // Every verified event we keep is a 2xx, routed or dead-lettered (senders retry any other answer for days).
      expect(status, detail).toBeLessThan(300);
      break;
    case "duplicate":
      expect({ status, duplicate: body.duplicate }, detail).toEqual({ status: 200, duplicate: true });
      break;
    case "reject":
      expect(status, `accepted: ${detail}`).toBeGreaterThanOrEqual(400);
      expect(body.error?.code, detail).toMatch(/^[a-z_]+$/);
      if (g.expect.code) expect(body.error?.code, detail).toBe(g.expect.code);
      break;
    case "any":
      if (status >= 400) expect(body.error?.code, detail).toMatch(/^[a-z_]+$/);
      break;
  }
}

describe(`${RUNS} generated requests`, () => {
  it.each(Array.from({ length: BATCHES }, (_, i) => i))(
    "batch %i: no 5xx, no invalid request accepted, every valid one accepted, every id swap a duplicate",
    async (batch) => {
      const c = await corpus(batch);
      await fc.assert(
        fc.asyncProperty(fc.array(generated(c), { minLength: GROUP, maxLength: GROUP }), async (group) => {
          const answers = await Promise.all(group.map(deliver));
          group.forEach((g, i) => {
            check(g, answers[i]!);
          });
        }),
        { numRuns: PER_BATCH / GROUP, seed: 20261126 + batch, endOnFailure: true },
      );
    },
  );

  it("reached every side of the gate", () => {
    const count = (accept: (status: number) => boolean) =>
      [...tally].filter(([s]) => accept(s)).reduce((n, [, c]) => n + c, 0);
    console.log("fuzz answers by status:", JSON.stringify(Object.fromEntries([...tally].sort(([a], [b]) => a - b))));
    console.log("fuzz inputs by kind:", JSON.stringify(Object.fromEntries([...kinds].sort(([, a], [, b]) => b - a))));
    expect(count(() => true)).toBe(RUNS);
    expect(count((s) => s < 300)).toBeGreaterThan(RUNS / 5);
    expect(count((s) => s === 401)).toBeGreaterThan(RUNS / 5);
    for (const status of [400, 404, 413, 415])
      expect(
        count((s) => s === status),
        `answers ${status}`,
      ).toBeGreaterThan(RUNS / 200);
  });
});
