/**
 * Correctly signed webhook requests for every source Crossflow accepts, built with web-standard APIs only, so
 * the demo, the benchmarks and the tests (in Node and inside workerd) all sign exactly as the senders do.
 */

import { twilioSignedString } from "../workers/connectors/twilio/scheme.ts";
import { bytesToBase64, bytesToHex, signHmac } from "../workers/webhooks/hmac.ts";
import { standardWebhooksKey } from "../workers/webhooks/standard-webhooks.ts";

export interface SignedRequest {
  /** Path below the worker, e.g. `/hooks/stripe`. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface SignOptions {
  /** Epoch seconds to sign with (defaults to now). */
  timestamp?: number;
  /** The worker's origin; Twilio and HubSpot sign the full URL. */
  origin?: string;
}

const nowS = (o: SignOptions) => o.timestamp ?? Math.floor(Date.now() / 1000);
const json = (payload: unknown) => (typeof payload === "string" ? payload : JSON.stringify(payload));
const hex = async (secret: string, data: string, hash: "SHA-256" | "SHA-512" = "SHA-256") =>
  bytesToHex(await signHmac(hash, secret, data));
const b64 = async (secret: string | Uint8Array, data: string, hash: "SHA-1" | "SHA-256" = "SHA-256") =>
  bytesToBase64(await signHmac(hash, secret, data));
const JSON_TYPE = { "content-type": "application/json" };

export const sign = {
  async github(
    secret: string,
    event: string,
    payload: unknown,
    deliveryId: string = crypto.randomUUID(),
  ): Promise<SignedRequest> {
    const body = json(payload);
    return {
      path: "/hooks/github",
      body,
      headers: {
        ...JSON_TYPE,
        "x-github-event": event,
        "x-github-delivery": deliveryId,
        "x-hub-signature-256": `sha256=${await hex(secret, body)}`,
      },
    };
  },

  /** A Stripe event (or, to test rejections, any raw text as the body). */
  async stripe(
    secret: string,
    event: ({ id: string; type: string } & Record<string, unknown>) | string,
    o: SignOptions = {},
  ): Promise<SignedRequest> {
    const body = typeof event === "string" ? event : json({ object: "event", created: nowS(o), ...event });
    const t = nowS(o);
    return {
      path: "/hooks/stripe",
      body,
      headers: { ...JSON_TYPE, "stripe-signature": `t=${t},v1=${await hex(secret, `${t}.${body}`)}` },
    };
  },

  async slack(secret: string, payload: unknown, o: SignOptions = {}): Promise<SignedRequest> {
    const body = json(payload);
    const t = nowS(o);
    return {
      path: "/hooks/slack",
      body,
      headers: {
        ...JSON_TYPE,
        "x-slack-request-timestamp": String(t),
        "x-slack-signature": `v0=${await hex(secret, `v0:${t}:${body}`)}`,
      },
    };
  },

  /** A Slack interaction (a button click): form-encoded `payload=<JSON>`, signed like every Slack request. */
  async slackInteraction(secret: string, payload: unknown, o: SignOptions = {}): Promise<SignedRequest> {
    const body = new URLSearchParams({ payload: json(payload) }).toString();
    const t = nowS(o);
    return {
      path: "/hooks/slack",
      body,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": String(t),
        "x-slack-signature": `v0=${await hex(secret, `v0:${t}:${body}`)}`,
      },
    };
  },

  /** Any Standard Webhooks sender configured in `WEBHOOK_SOURCES` (e.g. `resend`). */
  async standardWebhooks(
    source: string,
    secret: string,
    payload: unknown,
    o: SignOptions & { id?: string } = {},
  ): Promise<SignedRequest> {
    const body = json(payload);
    const id = o.id ?? `msg_${crypto.randomUUID().replaceAll("-", "")}`;
    const t = nowS(o);
    const key = standardWebhooksKey(secret);
    if (!key) throw new TypeError("Standard Webhooks secrets are whsec_<base64>");
    return {
      path: `/hooks/${source}`,
      body,
      headers: {
        ...JSON_TYPE,
        "webhook-id": id,
        "webhook-timestamp": String(t),
        "webhook-signature": `v1,${await b64(key, `${id}.${t}.${body}`)}`,
      },
    };
  },

  async hubspot(secret: string, events: unknown[], o: SignOptions = {}): Promise<SignedRequest> {
    const body = json(events);
    const ms = String(nowS(o) * 1000);
    const url = `${o.origin ?? "http://127.0.0.1:8787"}/hooks/hubspot`;
    return {
      path: "/hooks/hubspot",
      body,
      headers: {
        ...JSON_TYPE,
        "x-hubspot-request-timestamp": ms,
        "x-hubspot-signature-v3": await b64(secret, `POST${url}${body}${ms}`),
      },
    };
  },

  async zendesk(secret: string, payload: unknown, o: SignOptions = {}): Promise<SignedRequest> {
    const body = json(payload);
    const iso = new Date(nowS(o) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    return {
      path: "/hooks/zendesk",
      body,
      headers: {
        ...JSON_TYPE,
        "x-zendesk-webhook-signature-timestamp": iso,
        "x-zendesk-webhook-signature": await b64(secret, iso + body),
      },
    };
  },

  async shopify(
    secret: string,
    topic: string,
    payload: unknown,
    webhookId: string = crypto.randomUUID(),
  ): Promise<SignedRequest> {
    const body = json(payload);
    return {
      path: "/hooks/shopify",
      body,
      headers: {
        ...JSON_TYPE,
        "x-shopify-topic": topic,
        "x-shopify-webhook-id": webhookId,
        "x-shopify-hmac-sha256": await b64(secret, body),
      },
    };
  },

  async twilio(authToken: string, params: Record<string, string>, o: SignOptions = {}): Promise<SignedRequest> {
    const form = new URLSearchParams(params);
    const url = `${o.origin ?? "http://127.0.0.1:8787"}/hooks/twilio`;
    const signature = await b64(authToken, twilioSignedString(url, form), "SHA-1");
    return {
      path: "/hooks/twilio",
      body: form.toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
    };
  },

  /** The `provisioning` generic-HMAC source declared in wrangler.toml. */
  provisioning(
    secret: string,
    eventId: string,
    payload: { event: string } & Record<string, unknown>,
    o: SignOptions = {},
  ): Promise<SignedRequest> {
    return sign.hmacSource("provisioning", secret, eventId, payload, o);
  },

  /** Any generic-HMAC source shaped like `provisioning` in wrangler.toml (`X-Signature: sha256=hex(t.body)`). */
  async hmacSource(
    source: string,
    secret: string,
    eventId: string,
    payload: { event: string } & Record<string, unknown>,
    o: SignOptions = {},
  ): Promise<SignedRequest> {
    const body = json(payload);
    const t = nowS(o);
    return {
      path: `/hooks/${source}`,
      body,
      headers: {
        ...JSON_TYPE,
        "x-event-id": eventId,
        "x-signature-timestamp": String(t),
        "x-signature": `sha256=${await hex(secret, `${t}.${body}`)}`,
      },
    };
  },
};

const TITLES = [
  "Crash when exporting invoices to CSV",
  "How do I rotate the API key?",
  "Feature request: add support for SEPA mandates",
  "Security: XSS in the customer notes field",
  "Onboarding form loses the VAT number",
];

export function issueOpenedPayload(repo: string, number: number, title = TITLES[number % TITLES.length]!) {
  return {
    action: "opened",
    issue: {
      number,
      title,
      body: `Reported through Crossflow's demo traffic.\n\n${title}`,
      user: { login: "demo-user" },
    },
    repository: { full_name: repo },
    sender: { login: "demo-user" },
  };
}

/** A Stripe `invoice.*` event for a customer, shaped like Stripe's own. */
export function stripeInvoiceEvent(
  type: "invoice.payment_failed" | "invoice.paid",
  email: string,
  invoiceId: string,
  eventId = `evt_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`,
) {
  return {
    id: eventId,
    type,
    api_version: "2025-10-29.clover",
    data: {
      object: {
        id: invoiceId,
        object: "invoice",
        customer: `cus_${invoiceId.slice(3)}`,
        customer_email: email,
        amount_due: 4900,
        currency: "eur",
        attempt_count: 1,
      },
    },
  };
}

/** POSTs a signed request to a worker origin. */
export function post(
  origin: string,
  request: SignedRequest,
  fetcher: (input: string, init: RequestInit) => Promise<Response> = fetch,
): Promise<Response> {
  return fetcher(`${origin}${request.path}`, { method: "POST", headers: request.headers, body: request.body });
}

/**
 * Delivers `request` the way a SaaS sender does: a 5xx, a 429 or a dropped connection is tried again with backoff
 * (Retry-After when given), up to `attempts` times; any other answer is final. The same signed request is sent each
 * time, so the receiver's dedupe sees one event.
 * @example const res = await deliver(workerUrl, await sign.provisioning(secret, id, event));
 */
export async function deliver(
  origin: string,
  request: SignedRequest,
  { attempts = 8, firstDelayMs = 250 }: { attempts?: number; firstDelayMs?: number } = {},
): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const answered = await post(origin, request).catch((error: Error) => error);
    const retryable = answered instanceof Error || answered.status >= 500 || answered.status === 429;
    if (!retryable) return answered;
    if (attempt >= attempts) {
      if (answered instanceof Error) throw answered;
      return answered;
    }
    let retryAfter: number | null = null;
    if (!(answered instanceof Error)) {
      retryAfter = Number(answered.headers.get("retry-after")) || null;
      await answered.body?.cancel().catch(() => undefined);
    }
    const backoff = firstDelayMs * 2 ** (attempt - 1);
    await new Promise((r) => setTimeout(r, retryAfter ? Math.min(retryAfter * 1000, 10_000) : backoff));
  }
}
