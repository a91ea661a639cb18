/**
 * Every scheme against what the sender's official library (or its documented example) produces: a payload it
 * signs passes; one changed byte, a wrong secret, a stale or future timestamp fail with the right code.
 */
import { createHash, createHmac } from "node:crypto";
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import twilio from "twilio";
import { describe, expect, it } from "vitest";
import type { SignatureScheme, SignedRequest } from "../../webhooks/source.ts";
import {
  genericHmacScheme,
  githubScheme,
  hubspotScheme,
  shopifyScheme,
  slackScheme,
  standardWebhooksScheme,
  stripeScheme,
  twilioScheme,
  zendeskScheme,
} from "./index.ts";

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const nowS = Math.floor(NOW / 1000);
const JSON_BODY = JSON.stringify({
  id: "evt_1",
  type: "invoice.payment_failed",
  data: { object: { customer_email: "ana@example.com" } },
});
const stripe = new Stripe("sk_test_interop");
const SVIX_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const hmac = (algo: string, secret: string, data: string, enc: "hex" | "base64") =>
  createHmac(algo, secret).update(data).digest(enc);

interface Case {
  scheme: SignatureScheme;
  secret: string;
  /** Signs `body` at `timestampS` the way the sender does (official library or documented recipe). */
  make(secret: string, body: string, timestampS: number): Promise<SignedRequest> | SignedRequest;
  timestamped: boolean;
  /** Text body variant for the tamper test (form-encoded senders). */
  body?: string;
  /** A well-formed secret that is not the configured one. */
  wrongSecret?: string;
}

const req = (
  headers: Record<string, string>,
  body: string,
  url = "https://crossflow.example/hooks/x",
  method = "POST",
): SignedRequest => ({
  method,
  url,
  headers: new Headers(headers),
  body: new TextEncoder().encode(body),
});

const TWILIO_URL = "https://crossflow.example/hooks/twilio?source=sms";
const TWILIO_FORM =
  "MessageSid=SM123&From=%2B4915112345678&To=%2B4930123456&Body=Here+is+my+passport&SmsStatus=received";

const CASES: Record<string, Case> = {
  stripe: {
    scheme: stripeScheme(),
    secret: "whsec_stripe_interop",
    timestamped: true,
    make: (secret, body, t) =>
      req(
        { "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: t }) },
        body,
      ),
  },
  github: {
    scheme: githubScheme,
    secret: "github-interop",
    timestamped: false,
    make: async (secret, body) => req({ "x-hub-signature-256": await octokitSign(secret, body) }, body),
  },
  slack: {
    scheme: slackScheme(),
    secret: "8f742231b10e8888abcd99yyyzzz85a5",
    timestamped: true,
    make: (secret, body, t) =>
      req(
        {
          "x-slack-signature": `v0=${hmac("sha256", secret, `v0:${t}:${body}`, "hex")}`,
          "x-slack-request-timestamp": String(t),
        },
        body,
      ),
  },
  "standard-webhooks": {
    scheme: standardWebhooksScheme(),
    secret: SVIX_SECRET,
    wrongSecret: "whsec_QmFkU2VjcmV0QmFkU2VjcmV0QmFkU2VjcmV0IQ==",
    timestamped: true,
    make: (secret, body, t) =>
      req(
        {
          "webhook-id": "msg_2Lh9KRb0pzN4LePd3XiA4",
          "webhook-timestamp": String(t),
          "webhook-signature": new Webhook(secret).sign("msg_2Lh9KRb0pzN4LePd3XiA4", new Date(t * 1000), body),
        },
        body,
      ),
  },
  hubspot: {
    scheme: hubspotScheme(),
    secret: "hubspot-client-secret",
    timestamped: true,
    // HubSpot's documented v3 recipe, computed independently with node:crypto.
    make: (secret, body, t) => {
      const url = "https://crossflow.example/hooks/hubspot?portal=42";
      const ms = String(t * 1000);
      return req(
        {
          "x-hubspot-signature-v3": hmac("sha256", secret, `POST${url}${body}${ms}`, "base64"),
          "x-hubspot-request-timestamp": ms,
        },
        body,
        url,
      );
    },
  },
  zendesk: {
    scheme: zendeskScheme(),
    secret: "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==",
    timestamped: true,
    make: (secret, body, t) => {
      const iso = new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
      return req(
        {
          "x-zendesk-webhook-signature": hmac("sha256", secret, iso + body, "base64"),
          "x-zendesk-webhook-signature-timestamp": iso,
        },
        body,
      );
    },
  },
  shopify: {
    scheme: shopifyScheme,
    secret: "shopify-app-secret",
    timestamped: false,
    make: (secret, body) => req({ "x-shopify-hmac-sha256": hmac("sha256", secret, body, "base64") }, body),
  },
  twilio: {
    scheme: twilioScheme,
    secret: "12345",
    timestamped: false,
    body: TWILIO_FORM,
    make: (secret, body) => {
      const params = Object.fromEntries(new URLSearchParams(body));
      return req(
        { "x-twilio-signature": twilio.getExpectedTwilioSignature(secret, TWILIO_URL, params) },
        body,
        TWILIO_URL,
      );
    },
  },
  "generic hmac": {
    scheme: genericHmacScheme({
      header: "X-Acme-Signature",
      hash: "SHA-512",
      encoding: "hex",
      prefix: "sha512=",
      timestampHeader: "X-Acme-Timestamp",
    }),
    secret: "acme-erp-secret",
    timestamped: true,
    make: (secret, body, t) =>
      req(
        {
          "x-acme-signature": `sha512=${hmac("sha512", secret, `${t}.${body}`, "hex")}`,
          "x-acme-timestamp": String(t),
        },
        body,
      ),
  },
};

describe.each(Object.entries(CASES))("%s", (_name, c) => {
  const body = c.body ?? JSON_BODY;

  it("accepts what the sender signs", async () => {
    expect(await c.scheme.verify(await c.make(c.secret, body, nowS), [c.secret], NOW)).toBeNull();
  });

  it("accepts any active secret during a rotation", async () => {
    expect(
      await c.scheme.verify(await c.make(c.secret, body, nowS), ["retired-or-future-secret", c.secret], NOW),
    ).toBeNull();
  });

  it("rejects one changed byte of the body", async () => {
    const signed = await c.make(c.secret, body, nowS);
    const tampered = signed.body.slice();
    tampered[10] = tampered[10]! ^ 0x01;
    expect(await c.scheme.verify({ ...signed, body: tampered }, [c.secret], NOW)).toMatchObject({
      code: "bad_signature",
    });
  });

  it("rejects a wrong secret", async () => {
    expect(
      await c.scheme.verify(await c.make(c.wrongSecret ?? "not-the-secret-at-all", body, nowS), [c.secret], NOW),
    ).toMatchObject({ code: "bad_signature" });
  });

  it("rejects a request without its signature header", async () => {
    expect(await c.scheme.verify(req({}, body), [c.secret], NOW)).toMatchObject({ code: "missing_signature" });
  });
});

describe.each(Object.entries(CASES).filter(([, c]) => c.timestamped))("%s timestamp window", (_name, c) => {
  const body = c.body ?? JSON_BODY;

  it("rejects a stale or a future timestamp, even when correctly signed", async () => {
    expect(await c.scheme.verify(await c.make(c.secret, body, nowS - 301), [c.secret], NOW)).toMatchObject({
      code: "stale_timestamp",
    });
    expect(await c.scheme.verify(await c.make(c.secret, body, nowS + 301), [c.secret], NOW)).toMatchObject({
      code: "stale_timestamp",
    });
    expect(await c.scheme.verify(await c.make(c.secret, body, nowS - 299), [c.secret], NOW)).toBeNull();
  });
});

describe("documented examples", () => {
  it("Slack's example request from its verification guide", async () => {
    // https://api.slack.com/authentication/verifying-requests-from-slack
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const request = req(
      {
        "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        "x-slack-request-timestamp": "1531420618",
      },
      body,
    );
    expect(await slackScheme().verify(request, ["8f742231b10e8888abcd99yyyzzz85a5"], 1531420618_000)).toBeNull();
  });

  it("GitHub's documented test vector", async () => {
    const request = req(
      { "x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" },
      "Hello, World!",
    );
    expect(await githubScheme.verify(request, ["It's a Secret to Everybody"], NOW)).toBeNull();
  });

  it("Twilio's validator agrees with ours, and JSON bodies are checked through bodySHA256", async () => {
    const params = Object.fromEntries(new URLSearchParams(TWILIO_FORM));
    const signature = twilio.getExpectedTwilioSignature("12345", TWILIO_URL, params);
    expect(twilio.validateRequest("12345", signature, TWILIO_URL, params)).toBe(true);

    const json = JSON.stringify({ MessageSid: "SM9" });
    const sha = createHash("sha256").update(json).digest("hex");
    const url = `https://crossflow.example/hooks/twilio?bodySHA256=${sha}`;
    const jsonSig = twilio.getExpectedTwilioSignature("12345", url, {});
    expect(twilio.validateRequestWithBody("12345", jsonSig, url, json)).toBe(true);
    expect(await twilioScheme.verify(req({ "x-twilio-signature": jsonSig }, json, url), ["12345"], NOW)).toBeNull();
    expect(
      await twilioScheme.verify(req({ "x-twilio-signature": jsonSig }, json.replace("9", "8"), url), ["12345"], NOW),
    ).toMatchObject({ code: "bad_signature" });
  });
});

describe("Twilio behind a proxy: the URL with and without its port", () => {
  const params = Object.fromEntries(new URLSearchParams(TWILIO_FORM));
  // [the URL Twilio called and signed, the URL the worker sees, whether Twilio's validator accepts it]
  const pairs: [string, string, boolean][] = [
    [
      "https://crossflow.example:443/hooks/twilio?source=sms",
      "https://crossflow.example/hooks/twilio?source=sms",
      true,
    ],
    [
      "https://crossflow.example/hooks/twilio?source=sms",
      "https://crossflow.example:443/hooks/twilio?source=sms",
      true,
    ],
    ["http://127.0.0.1/hooks/twilio", "http://127.0.0.1:8787/hooks/twilio", true],
    ["http://crossflow.example:80/hooks/twilio", "http://crossflow.example/hooks/twilio", true],
    ["https://[2001:db8::1]:443/hooks/twilio", "https://[2001:db8::1]/hooks/twilio", true],
    // Not port variants of each other: a different port, scheme or host is a different URL.
    [
      "https://crossflow.example:8443/hooks/twilio?source=sms",
      "https://crossflow.example/hooks/twilio?source=sms",
      false,
    ],
    [
      "https://crossflow.example:443/hooks/twilio?source=sms",
      "http://crossflow.example/hooks/twilio?source=sms",
      false,
    ],
    ["https://elsewhere.example/hooks/twilio", "https://crossflow.example/hooks/twilio", false],
  ];

  it.each(pairs)(
    "signed for %s, received at %s: valid %s, as twilio.validateRequest decides",
    async (signedUrl, receivedUrl, valid) => {
      const signature = twilio.getExpectedTwilioSignature("12345", signedUrl, params);
      expect(twilio.validateRequest("12345", signature, receivedUrl, params)).toBe(valid);
      const ours = await twilioScheme.verify(
        req({ "x-twilio-signature": signature }, TWILIO_FORM, receivedUrl),
        ["12345"],
        NOW,
      );
      expect(ours === null ? "valid" : ours.code).toBe(valid ? "valid" : "bad_signature");
    },
  );

  it("agrees for the port variants of a JSON body signed through bodySHA256", async () => {
    const json = JSON.stringify({ MessageSid: "SM10", MessageStatus: "delivered" });
    const sha = createHash("sha256").update(json).digest("hex");
    const signed = `https://crossflow.example:443/hooks/twilio?bodySHA256=${sha}`;
    const received = `https://crossflow.example/hooks/twilio?bodySHA256=${sha}`;
    const signature = twilio.getExpectedTwilioSignature("12345", signed, {});
    expect(twilio.validateRequestWithBody("12345", signature, received, json)).toBe(true);
    expect(
      await twilioScheme.verify(req({ "x-twilio-signature": signature }, json, received), ["12345"], NOW),
    ).toBeNull();
    expect(
      await twilioScheme.verify(
        req({ "x-twilio-signature": signature }, json.replace("10", "11"), received),
        ["12345"],
        NOW,
      ),
    ).toMatchObject({ code: "bad_signature" });
  });
});
