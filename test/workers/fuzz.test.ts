/**
 * Throws 10,000 generated requests at the ingest route inside workerd: correctly signed ones, ones mutated in a
 * way that must invalidate them, and random garbage. No answer may be a 5xx, and no invalid request may be
 * accepted.
 */
import { env } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { issueOpenedPayload, sign, stripeInvoiceEvent, type SignedRequest } from "../../scripts/senders.ts";
import { app } from "../../workers/index.ts";
import { ORIGIN, secret } from "./helpers.ts";

const RUNS = 10_000;
/** Batches of runs, each its own test and seed, so a failure names a small reproducible slice. */
const BATCHES = 10;
const PER_BATCH = RUNS / BATCHES;
const tally = new Map<number, number>();
const SIGNATURE_HEADERS = ["x-hub-signature-256", "stripe-signature", "x-slack-signature", "webhook-signature", "x-hubspot-signature-v3", "x-zendesk-webhook-signature", "x-shopify-hmac-sha256", "x-twilio-signature", "x-signature"];

let valid: SignedRequest[] = [];
let staleButSigned: SignedRequest[] = [];

beforeAll(async () => {
  const old = { timestamp: Math.floor(Date.now() / 1000) - 3600, origin: ORIGIN };
  const o = { origin: ORIGIN };
  valid = await Promise.all([
    sign.github(secret("GITHUB_WEBHOOK_SECRET"), "issues", issueOpenedPayload("fuzz/repo", 1)),
    sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), stripeInvoiceEvent("invoice.payment_failed", "fuzz@example.com", "in_FUZZ")),
    sign.slack(secret("SLACK_SIGNING_SECRET"), { type: "event_callback", event_id: "Ev1", event: { type: "message", text: "hi" } }),
    sign.standardWebhooks("resend", secret("RESEND_WEBHOOK_SECRET"), { type: "email.received", data: { from: "fuzz@example.com" } }),
    sign.hubspot(secret("HUBSPOT_CLIENT_SECRET"), [{ eventId: 1, subscriptionType: "deal.propertyChange", objectId: 7, occurredAt: Date.now() }], o),
    sign.zendesk(secret("ZENDESK_WEBHOOK_SECRET"), { id: "zd-fuzz", type: "zen:event-type:ticket.created", detail: { requester: { email: "fuzz@example.com" } } }),
    sign.shopify(secret("SHOPIFY_WEBHOOK_SECRET"), "orders/create", { id: 1 }),
    sign.twilio(secret("TWILIO_AUTH_TOKEN"), { MessageSid: "SMfuzz", From: "+4915112345678", Body: "Hallo + tschüss & co", SmsStatus: "received" }, o),
    sign.provisioning(secret("PROVISIONING_WEBHOOK_SECRET"), "prov-1", { event: "service.activated", customer: "fuzz@example.com" }),
  ]);
  staleButSigned = await Promise.all([
    sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), stripeInvoiceEvent("invoice.paid", "fuzz@example.com", "in_FUZZ"), old),
    sign.slack(secret("SLACK_SIGNING_SECRET"), { type: "event_callback", event_id: "Ev2", event: { type: "message" } }, old),
    sign.standardWebhooks("resend", secret("RESEND_WEBHOOK_SECRET"), { type: "email.received", data: {} }, old),
    sign.hubspot(secret("HUBSPOT_CLIENT_SECRET"), [{ eventId: 2, subscriptionType: "contact.creation", objectId: 8 }], old),
    sign.zendesk(secret("ZENDESK_WEBHOOK_SECRET"), { id: "zd-old", type: "zen:event-type:ticket.created" }, old),
    sign.provisioning(secret("PROVISIONING_WEBHOOK_SECRET"), "prov-old", { event: "service.activated" }, old),
  ]);
});

type Generated = { request: SignedRequest; mustReject: boolean; why: string };

const bytesOf = (s: string) => new TextEncoder().encode(s);

function flipByte(request: SignedRequest, position: number): Generated {
  const body = bytesOf(request.body);
  const at = position % body.length;
  body[at] = body[at]! ^ 0x01;
  return { request: { ...request, body: new TextDecoder("latin1").decode(body) }, mustReject: true, why: `byte ${at} flipped` };
}

const generated = (): fc.Arbitrary<Generated> => {
  const base = fc.constantFrom(...valid);
  return fc.oneof(
    base.map((request) => ({ request, mustReject: false, why: "valid" })),
    fc.tuple(base, fc.nat()).map(([r, p]) => flipByte(r, p)),
    base.map((r) => ({ request: { ...r, headers: Object.fromEntries(Object.entries(r.headers).filter(([k]) => !SIGNATURE_HEADERS.includes(k))) }, mustReject: true, why: "signature removed" })),
    fc.tuple(base, fc.string({ maxLength: 120 })).map(([r, junk]) => ({
      request: { ...r, headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, SIGNATURE_HEADERS.includes(k) ? junk : v])) },
      mustReject: true,
      why: "signature replaced",
    })),
    fc.constantFrom(...staleButSigned).map((request) => ({ request, mustReject: true, why: "stale timestamp" })),
    fc.tuple(base, fc.string({ maxLength: 64 })).map(([r, tail]) => {
      const body = r.body.slice(0, Math.max(0, r.body.length - 1 - (tail.length % 8))) + tail;
      return { request: { ...r, body }, mustReject: body !== r.body, why: "body truncated and extended" };
    }),
    fc.record({
      path: fc.oneof(fc.constantFrom("/hooks/github", "/hooks/stripe", "/hooks/twilio", "/hooks/resend", "/hooks/provisioning"), fc.string({ maxLength: 30 }).map((s) => `/hooks/${encodeURIComponent(s)}`)),
      headers: fc.dictionary(fc.constantFrom("content-type", ...SIGNATURE_HEADERS, "x-github-delivery", "webhook-id", "webhook-timestamp", "x-slack-request-timestamp"), fc.string({ maxLength: 80 }), { maxKeys: 6 }),
      body: fc.oneof(fc.string({ maxLength: 400 }), fc.json({ maxDepth: 3 })),
    }).map((request) => ({ request, mustReject: true, why: "random request" })),
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

describe(`${RUNS} generated requests`, () => {
  it.each(Array.from({ length: BATCHES }, (_, i) => i))("batch %i: no 5xx, no invalid request accepted", async (batch) => {
    await fc.assert(
      fc.asyncProperty(generated(), async ({ request, mustReject, why }) => {
        // A request that never gets an answer is as much a failure as a 5xx.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const res = await Promise.race([
          // The Hono app itself, with the real bindings: workerd's self-service loopback (`exports.default.fetch`)
          // stalls after ~1,000 calls from one test file, far short of a fuzz run.
          app.request(`${ORIGIN}${request.path}`, { method: "POST", headers: sanitizeHeaders(request.headers), body: request.body }, env),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within 10 s to ${why}: ${JSON.stringify(request)}`)), 10_000);
          }),
        ]).finally(() => clearTimeout(timer));
        tally.set(res.status, (tally.get(res.status) ?? 0) + 1);
        const body = (await res.json()) as { error?: { code: string; message: string } };
        expect(res.status, why).toBeLessThan(500);
        if (mustReject) {
          expect(res.status, `${why} was accepted: ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
          expect(body.error?.code, why).toMatch(/^[a-z_]+$/);
        }
      }),
      { numRuns: PER_BATCH, seed: 20261126 + batch, endOnFailure: true },
    );
  });

  it("reached both sides of the gate", () => {
    const count = (accept: (status: number) => boolean) => [...tally].filter(([s]) => accept(s)).reduce((n, [, c]) => n + c, 0);
    console.log("fuzz answers by status:", JSON.stringify(Object.fromEntries([...tally].sort(([a], [b]) => a - b))));
    expect(count(() => true)).toBe(RUNS);
    expect(count((s) => s < 300)).toBeGreaterThan(RUNS / 20);
    expect(count((s) => s === 401)).toBeGreaterThan(RUNS / 2);
  });
});
