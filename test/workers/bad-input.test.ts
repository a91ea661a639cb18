/**
 * Bad input, inside workerd through the worker's own webhook door: JSON nested past the limit is refused before
 * anything is stored (after the signature, like every 400), every event that is accepted stays readable through the
 * case API, and for senders whose event id travels in a header the signature does not cover, a captured request
 * re-sent under a new id is the same delivery.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { issueOpenedPayload, type SignedRequest, sign, stripeInvoiceEvent } from "../../scripts/senders.ts";
import { DISCARD_LIMIT_BYTES } from "../../workers/ingest/read.ts";
import { app } from "../../workers/platform/cloudflare/index.ts";
import { bytesToHex } from "../../workers/webhooks/hmac.ts";
import { jsonDepth, MAX_JSON_DEPTH } from "../../workers/webhooks/json-limits.ts";
import { api, ORIGIN, secret, send } from "./helpers.ts";

const unique = () => crypto.randomUUID().replaceAll("-", "").slice(0, 10);
const withHeader = (r: SignedRequest, name: string, value: string): SignedRequest => ({
  ...r,
  headers: { ...r.headers, [name]: value },
});
const sha256 = async (text: string) =>
  `sha256:${bytesToHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))}`;
const caseOf = (workflow: string, caseKey: string) => api(`/cases/${workflow}/${encodeURIComponent(caseKey)}`);

/** `levels` arrays, one inside the other, around a 0. */
function nested(levels: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

/** A signed, routable Stripe event (it opens a payment-recovery case) whose body nests exactly `depth` levels. */
async function stripeEventOfDepth(depth: number) {
  const email = `deep-${unique()}@example.com`;
  // The event object is level 1; `pad` adds `depth - 1` levels below it.
  const event = { ...stripeInvoiceEvent("invoice.payment_failed", email, `in_${unique()}`), pad: nested(depth - 1) };
  const request = await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), event);
  expect(jsonDepth(request.body, Infinity)).toBe(depth);
  return { request, caseKey: `customer:${email}` };
}

describe("JSON nesting limit", () => {
  it(`accepts a routable event nested exactly ${MAX_JSON_DEPTH} levels deep, and its case reads back whole through the API`, async () => {
    const { request, caseKey } = await stripeEventOfDepth(MAX_JSON_DEPTH);
    expect((await send(request)).status).toBe(202);
    const view = await caseOf("payment-recovery", caseKey);
    expect(view.status).toBe(200);
    expect(view.body.opener.payload).toEqual(JSON.parse(request.body));
  });

  it("refuses one level more with 400 payload_too_deep, after the signature, and opens no case", async () => {
    const { request, caseKey } = await stripeEventOfDepth(MAX_JSON_DEPTH + 1);
    const res = await send(request);
    expect(res).toMatchObject({ status: 400, body: { error: { code: "payload_too_deep" } } });
    expect(res.body.error.message).toContain(String(MAX_JSON_DEPTH));
    expect((await caseOf("payment-recovery", caseKey)).status).toBe(404);
    // Unsigned, the same body learns nothing about its shape: the signature is checked first.
    const unsigned = withHeader(request, "stripe-signature", `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}`);
    expect(await send(unsigned)).toMatchObject({ status: 401, body: { error: { code: "bad_signature" } } });
  });

  it("answers 400, not 500, to bodies nested 5,000 and 100,000 deep, routable or not", async () => {
    const routable = await stripeEventOfDepth(5_000);
    expect(await send(routable.request)).toMatchObject({ status: 400, body: { error: { code: "payload_too_deep" } } });
    // Built as text: a value this deep is beyond JSON.stringify's own recursion.
    const star = await sign.github(
      secret("GITHUB_WEBHOOK_SECRET"),
      "star",
      `{"action":"created","pad":${"[".repeat(100_000)}0${"]".repeat(100_000)}}`,
    );
    expect(await send(star)).toMatchObject({ status: 400, body: { error: { code: "payload_too_deep" } } });
    // Unbalanced openers only (not even JSON) are refused by the same scan before any parser recurses into them.
    const opener = await sign.github(secret("GITHUB_WEBHOOK_SECRET"), "star", "[".repeat(200_000));
    expect(await send(opener)).toMatchObject({ status: 400, body: { error: { code: "payload_too_deep" } } });
  });

  it("does not count brackets inside strings, escaped quotes included", async () => {
    const email = `strings-${unique()}@example.com`;
    const event = {
      ...stripeInvoiceEvent("invoice.payment_failed", email, "in_STR"),
      note: `say \\"[[[ ${"[{".repeat(5_000)}`,
    };
    expect((await send(await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), event))).status).toBe(202);
    expect((await caseOf("payment-recovery", `customer:${email}`)).body.opener.payload.note).toBe(event.note);
  });

  it("holds the JSON inside a Slack interaction's form field to the same limit", async () => {
    const click = await sign.slackInteraction(secret("SLACK_SIGNING_SECRET"), {
      type: "block_actions",
      trigger_id: `t-${unique()}`,
      actions: nested(MAX_JSON_DEPTH + 5),
    });
    expect(await send(click)).toMatchObject({ status: 400, body: { error: { code: "payload_too_deep" } } });
  });

  it("keeps broad bodies readable: 480,000 array items, 60,000 keys or 300,000 objects in a body under 1 MiB", async () => {
    // Breadth never reaches the runtime's recursion limits, so it needs no limit beyond the byte cap: measured here.
    const shapes = {
      items: Array.from({ length: 480_000 }, () => 0),
      keys: Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, i])),
      objects: Array.from({ length: 300_000 }, () => ({})),
    };
    for (const [name, pad] of Object.entries(shapes)) {
      const email = `broad-${name}-${unique()}@example.com`;
      const request = await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), {
        ...stripeInvoiceEvent("invoice.payment_failed", email, "in_BROAD"),
        pad,
      });
      expect(request.body.length).toBeLessThan(1024 * 1024);
      expect((await send(request)).status, name).toBe(202);
      const view = await caseOf("payment-recovery", `customer:${email}`);
      expect(view.status, name).toBe(200);
      expect(view.body.opener.payload.pad, name).toEqual(pad);
    }
  });
});

describe("deliveries named by their signed content (the sender's id header is not signed)", () => {
  it("GitHub: the same signed body under a new X-GitHub-Delivery is a duplicate, and the case keeps one event", async () => {
    const number = Math.floor(Math.random() * 1e9);
    const first = await sign.github(
      secret("GITHUB_WEBHOOK_SECRET"),
      "issues",
      issueOpenedPayload("content/dedupe", number),
    );
    const opened = await send(first);
    expect(opened.status).toBe(202);
    expect(opened.body.deliveries[0]).toMatchObject({
      id: await sha256(first.body),
      senderId: first.headers["x-github-delivery"],
      status: "accepted",
    });
    const swapped = withHeader(first, "x-github-delivery", crypto.randomUUID());
    const again = await send(swapped);
    expect(again).toMatchObject({
      status: 200,
      body: {
        duplicate: true,
        deliveries: [
          { id: await sha256(first.body), senderId: swapped.headers["x-github-delivery"], status: "duplicate" },
        ],
      },
    });
    const view = await caseOf("github-issue-triage", `github:content/dedupe#${number}`);
    expect(view.body.events).toHaveLength(1);
    // A different body is a different delivery, whatever its id header says.
    const other = await sign.github(
      secret("GITHUB_WEBHOOK_SECRET"),
      "issues",
      issueOpenedPayload("content/dedupe", number, "Another title"),
      first.headers["x-github-delivery"],
    );
    expect((await send(other)).body.deliveries[0].status).not.toBe("duplicate");
  });

  it("Shopify: a dead-lettered event re-sent under a new X-Shopify-Webhook-Id finds the same dead letter", async () => {
    const first = await sign.shopify(secret("SHOPIFY_WEBHOOK_SECRET"), "orders/create", {
      id: Math.floor(Math.random() * 1e12),
      email: "dedupe@example.com",
    });
    const kept = await send(first);
    expect(kept.body.deliveries[0]).toMatchObject({ status: "dead_lettered", id: await sha256(first.body) });
    const again = await send(withHeader(first, "x-shopify-webhook-id", crypto.randomUUID()));
    expect(again).toMatchObject({
      status: 200,
      body: {
        duplicate: true,
        deliveries: [
          { status: "dead_lettered", deadLetterId: kept.body.deliveries[0].deadLetterId, deadLetterDuplicate: true },
        ],
      },
    });
  });

  it("a generic HMAC source with an id header: a new X-Event-Id is a duplicate, and so is the sender's own retry signed at a later timestamp", async () => {
    const payload = { event: "service.suspended", customer: `hmac-${unique()}@example.com` };
    const first = await sign.provisioning(secret("PROVISIONING_WEBHOOK_SECRET"), `prov-${unique()}`, payload);
    const kept = await send(first);
    expect(kept.status).toBe(202);
    const deadLetterId = kept.body.deliveries[0].deadLetterId;
    expect(await send(withHeader(first, "x-event-id", `prov-${unique()}`))).toMatchObject({
      status: 200,
      body: { duplicate: true, deliveries: [{ deadLetterId }] },
    });
    // A retry re-signs the same body with a new timestamp: the signed bytes differ, the body does not.
    const retry = await sign.provisioning(
      secret("PROVISIONING_WEBHOOK_SECRET"),
      first.headers["x-event-id"]!,
      payload,
      { timestamp: Math.floor(Date.now() / 1000) - 60 },
    );
    expect(retry.headers["x-signature"]).not.toBe(first.headers["x-signature"]);
    expect(await send(retry)).toMatchObject({ status: 200, body: { duplicate: true, deliveries: [{ deadLetterId }] } });
  });

  it("Zendesk: a trigger webhook (no id in its body) re-sent under a new invocation id is a duplicate", async () => {
    const body = { ticket: `zd-${unique()}`, status: "open" };
    const first = withHeader(
      await sign.zendesk(secret("ZENDESK_WEBHOOK_SECRET"), body),
      "x-zendesk-webhook-invocation-id",
      `inv-${unique()}`,
    );
    const kept = await send(first);
    expect(kept.body.deliveries[0]).toMatchObject({
      type: "trigger",
      id: await sha256(first.body),
      senderId: first.headers["x-zendesk-webhook-invocation-id"],
    });
    const again = await send(withHeader(first, "x-zendesk-webhook-invocation-id", `inv-${unique()}`));
    expect(again).toMatchObject({
      status: 200,
      body: { duplicate: true, deliveries: [{ deadLetterId: kept.body.deliveries[0].deadLetterId }] },
    });
  });

  it("senders that sign their id are unchanged: two Standard Webhooks deliveries of one body under two signed ids are two events", async () => {
    const payload = { type: "email.received", data: { from: `nobody-${unique()}@example.com`, subject: "same body" } };
    const one = await send(
      await sign.standardWebhooks("resend", secret("RESEND_WEBHOOK_SECRET"), payload, { id: `msg_${unique()}` }),
    );
    const two = await send(
      await sign.standardWebhooks("resend", secret("RESEND_WEBHOOK_SECRET"), payload, { id: `msg_${unique()}` }),
    );
    expect([one.status, two.status]).toEqual([202, 202]);
    expect(one.body.deliveries[0].id).toMatch(/^msg_/);
    expect(one.body.deliveries[0].senderId).toBeUndefined();
    expect(two.body.deliveries[0].deadLetterId).not.toBe(one.body.deliveries[0].deadLetterId);
  });
});

describe("bodies read as a stream, with a byte cap", () => {
  const MB = 1024 * 1024;
  /** POSTs `body` as a stream: no Content-Length unless `headers` declare one. */
  const stream = async (
    request: SignedRequest,
    body: ReadableStream<Uint8Array>,
    headers: Record<string, string> = {},
  ) => {
    const res = await app.request(
      `${ORIGIN}${request.path}`,
      { method: "POST", headers: { ...request.headers, ...headers }, body, duplex: "half" } as RequestInit,
      env,
    );
    return { status: res.status, body: (await res.json()) as any };
  };
  /** A stream of `total` bytes (Infinity: endless) in `size`-byte chunks, counting what was pulled from it. */
  const source = (total: number, size: number, first = new Uint8Array()) => {
    const tally = { pulled: 0, cancelled: false };
    const filler = new Uint8Array(size).fill(0x20);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (tally.pulled === 0 && first.length > 0) {
          tally.pulled += first.length;
          return controller.enqueue(first);
        }
        if (tally.pulled >= total) return controller.close();
        tally.pulled += size;
        controller.enqueue(filler);
      },
      cancel() {
        tally.cancelled = true;
      },
    });
    return { body, tally };
  };

  it("accepts a signed body that arrives in small chunks with no Content-Length", async () => {
    const signed = await sign.github(
      secret("GITHUB_WEBHOOK_SECRET"),
      "issues",
      issueOpenedPayload("stream/chunks", Math.floor(Math.random() * 1e9)),
    );
    const bytes = new TextEncoder().encode(signed.body);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.slice(i * 7, i * 7 + 7));
    const body = new ReadableStream<Uint8Array>({
      pull: (c) => (chunks.length ? c.enqueue(chunks.shift()!) : c.close()),
    });
    expect((await stream(signed, body)).status).toBe(202);
  });

  it("answers 413 to a 10 MB stream, holding no more than the cap, and stops reading an endless one", async () => {
    const signed = await sign.github(secret("GITHUB_WEBHOOK_SECRET"), "issues", { action: "opened" });
    const tenMb = source(10 * MB, 64 * 1024);
    expect(await stream(signed, tenMb.body)).toMatchObject({
      status: 413,
      body: { error: { code: "payload_too_large" } },
    });
    // An endless upload is read (and dropped) up to the discard limit, then cut off.
    const endless = source(Infinity, 256 * 1024);
    expect(await stream(signed, endless.body)).toMatchObject({
      status: 413,
      body: { error: { code: "payload_too_large" } },
    });
    expect(endless.tally.cancelled).toBe(true);
    expect(endless.tally.pulled).toBeLessThan(DISCARD_LIMIT_BYTES + 4 * 256 * 1024);
  });

  it("answers 413 at once to a declared Content-Length beyond the discard limit", async () => {
    const signed = await sign.github(secret("GITHUB_WEBHOOK_SECRET"), "issues", { action: "opened" });
    const huge = source(Infinity, 64 * 1024);
    expect(await stream(signed, huge.body, { "content-length": String(2 * DISCARD_LIMIT_BYTES) })).toMatchObject({
      status: 413,
    });
    expect(huge.tally.pulled).toBeLessThan(MB);
  });

  it("answers 400 incomplete_body when the sender's stream breaks off mid-body", async () => {
    const signed = await sign.github(secret("GITHUB_WEBHOOK_SECRET"), "issues", issueOpenedPayload("stream/broken", 1));
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(new TextEncoder().encode(signed.body.slice(0, 40)));
        else controller.error(new Error("Network connection lost."));
      },
    });
    expect(await stream(signed, body)).toMatchObject({ status: 400, body: { error: { code: "incomplete_body" } } });
  });
});
