/**
 * Every verified event that no workflow takes is kept as a dead letter and answered 2xx, on every one of the nine
 * signature schemes, over HTTP against `wrangler dev`. Senders treat any non-2xx as a failed delivery (Stripe
 * retries for days, Shopify deletes the subscription), so "we kept it" must read as success to them. Requests are
 * signed with the senders' official libraries where they exist (stripe, @octokit/webhooks-methods,
 * standardwebhooks, twilio); the others follow the senders' documented recipes (scripts/senders.ts, checked
 * against the documented examples in workers/ingest/schemes/interop.test.ts).
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import twilio from "twilio";
import { describe, expect, it } from "vitest";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, type SignedRequest, sign } from "../../scripts/senders.ts";
import { useStack } from "../support/stack.ts";

const stack = useStack("dead-letter-answers");
const secret = (name: string) => firstSecret(devVar(name))!;
const JSON_TYPE = { "content-type": "application/json" };
const unique = () => crypto.randomUUID().slice(0, 8);

async function official(name: string, origin: string): Promise<SignedRequest> {
  switch (name) {
    case "stripe": {
      const body = JSON.stringify({
        id: `evt_dl${unique()}`,
        object: "event",
        type: "customer.created",
        data: { object: { id: "cus_dl" } },
      });
      const header = new Stripe("sk_test_dead_letters").webhooks.generateTestHeaderString({
        payload: body,
        secret: secret("STRIPE_WEBHOOK_SECRET"),
      });
      return { path: "/hooks/stripe", body, headers: { ...JSON_TYPE, "stripe-signature": header } };
    }
    case "github": {
      const body = JSON.stringify({
        action: "created",
        starred_at: new Date().toISOString(),
        repository: { full_name: `acme/dl-${unique()}` },
      });
      const signature = await octokitSign(secret("GITHUB_WEBHOOK_SECRET"), body);
      return {
        path: "/hooks/github",
        body,
        headers: {
          ...JSON_TYPE,
          "x-github-event": "star",
          "x-github-delivery": crypto.randomUUID(),
          "x-hub-signature-256": signature,
        },
      };
    }
    case "resend": {
      const id = `msg_${unique()}`;
      const timestamp = new Date();
      const body = JSON.stringify({ type: "email.bounced", data: { to: [`dl-${unique()}@example.com`] } });
      const signature = new Webhook(secret("RESEND_WEBHOOK_SECRET")).sign(id, timestamp, body);
      return {
        path: "/hooks/resend",
        body,
        headers: {
          ...JSON_TYPE,
          "webhook-id": id,
          "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
          "webhook-signature": signature,
        },
      };
    }
    case "twilio": {
      const params = {
        MessageSid: `SM${unique()}`,
        From: `+491510${Math.floor(Math.random() * 1e7)}`,
        To: "+15005550006",
        Body: "hello?",
        SmsStatus: "received",
      };
      const signature = twilio.getExpectedTwilioSignature(
        secret("TWILIO_AUTH_TOKEN"),
        `${origin}/hooks/twilio`,
        params,
      );
      return {
        path: "/hooks/twilio",
        body: new URLSearchParams(params).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
      };
    }
    case "slack":
      return sign.slack(secret("SLACK_SIGNING_SECRET"), {
        type: "event_callback",
        event_id: `Ev${unique()}`,
        event: { type: "reaction_added", reaction: "tada" },
      });
    case "hubspot":
      return sign.hubspot(
        secret("HUBSPOT_CLIENT_SECRET"),
        [{ eventId: Math.floor(Math.random() * 1e9), subscriptionType: "contact.creation", objectId: 7 }],
        { origin },
      );
    case "zendesk":
      return sign.zendesk(secret("ZENDESK_WEBHOOK_SECRET"), {
        id: `zd-dl-${unique()}`,
        type: "zen:event-type:user.created",
        detail: { id: "1" },
      });
    case "shopify":
      return sign.shopify(secret("SHOPIFY_WEBHOOK_SECRET"), "orders/create", {
        id: Math.floor(Math.random() * 1e12),
        email: "dl@example.com",
      });
    case "provisioning":
      return sign.provisioning(secret("PROVISIONING_WEBHOOK_SECRET"), `prov-dl-${unique()}`, {
        event: "service.suspended",
        customer: "dl@example.com",
      });
    default:
      throw new Error(`no signer for ${name}`);
  }
}

/** One source per scheme: the seven built-in senders, a Standard Webhooks sender and a generic HMAC one. */
const SCHEMES = ["stripe", "github", "resend", "twilio", "slack", "hubspot", "zendesk", "shopify", "provisioning"];

describe("verified events no workflow takes", () => {
  it.each(SCHEMES)(
    "%s: answered 202 dead_lettered, kept with its reason, and its redelivery answered 200",
    async (name) => {
      const { worker } = stack();
      const request = await official(name, worker.url);
      const res = await post(worker.url, request);
      const body = (await res.json()) as {
        accepted: number;
        deadLettered: number;
        duplicate: boolean;
        deliveries: { status: string; deadLetterId: number; reason: string }[];
      };
      expect({ name, status: res.status }).toEqual({ name, status: 202 });
      expect(body).toMatchObject({ accepted: 0, duplicate: false });
      expect(body.deadLettered).toBeGreaterThan(0);
      for (const delivery of body.deliveries)
        expect(delivery).toMatchObject({
          status: "dead_lettered",
          deadLetterId: expect.any(Number),
          reason: expect.any(String),
        });

      const token = secret("CROSSFLOW_API_TOKEN");
      const kept = await fetch(`${worker.url}/api/dead-letters/${body.deliveries[0]!.deadLetterId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(kept.status).toBe(200);
      expect(await kept.json()).toMatchObject({ source: name, replayedAt: null });

      // The sender's retry of the same signed request: the same dead letter, answered as a duplicate.
      const again = await post(worker.url, request);
      expect(again.status).toBe(200);
      const repeat = (await again.json()) as typeof body;
      expect(repeat.deliveries[0]).toMatchObject({
        status: "dead_lettered",
        deadLetterId: body.deliveries[0]!.deadLetterId,
      });
    },
  );
});
