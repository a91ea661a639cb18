/**
 * The email simulator's inbound door (`POST /resend/_sim/inbound`, shown in `npm start`'s banner): a customer's email
 * reaches the worker as the signed `email.received` webhook the `resend` source verifies (Standard Webhooks), its
 * payload matches the connector's schema, and an answer to an `ask` names the case that asked (its reply-to token).
 * A small Node server stands in for the worker's `/hooks/resend`.
 */

import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIMULATOR_KEYS, serveSimulators } from "../../../simulators/index.ts";
import { conversationOf } from "../../engine/index.ts";
import { standardWebhooksScheme } from "../../webhooks/index.ts";
import { emailChannel, emailReplies } from "./client.ts";
import { emailEvents } from "./events.ts";

const SECRET = "whsec_c2ltLXRlc3QtcmVzZW5kLWluYm91bmQ=";
const config = (url: string) => ({ RESEND_API_KEY: SIMULATOR_KEYS.resend, RESEND_API_BASE_URL: `${url}/resend` });

let sims: Awaited<ReturnType<typeof serveSimulators>>;
let hooks: { url: string; close: () => void };
/** What the stand-in worker received: whether the signature verified (null) or why not, and the payload. */
const received: { failure: string | null; payload: unknown }[] = [];

beforeAll(async () => {
  sims = await serveSimulators();
  const app = new Hono();
  app.post("/hooks/resend", async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    const failure = await standardWebhooksScheme().verify(
      { method: "POST", url: c.req.url, headers: c.req.raw.headers, body },
      [SECRET],
      Date.now(),
    );
    received.push({ failure: failure?.message ?? null, payload: JSON.parse(new TextDecoder().decode(body)) });
    return c.json({ accepted: 1 }, failure ? 401 : 202);
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  hooks = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
  await fetch(`${sims.url}/resend/_sim/webhooks`, {
    method: "POST",
    body: JSON.stringify({ url: hooks.url, secret: SECRET }),
  });
});
afterAll(async () => {
  hooks.close();
  await sims.close();
});

const inbound = async (body: Record<string, unknown>) => {
  const res = await fetch(`${sims.url}/resend/_sim/inbound`, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { worker?: { status: number }; error?: string } };
};

describe("the email simulator's inbound door", () => {
  it("answers the newest email the customer was sent, to its reply-to address, so the reply names the case that asked", async () => {
    const conversation = conversationOf("subscription-save", "customer:ana@example.com");
    await emailChannel(config(sims.url), { to: "ana@example.com", subject: "Stay with us?" }, conversation).send(
      "Would 20% off keep you?",
      { idempotencyKey: "cf-inbound-door-1", attempt: 1 },
    );
    const res = await inbound({ from: "ana@example.com", text: "Yes, please." });
    expect(res).toMatchObject({ status: 200, body: { worker: { status: 202 } } });
    const hook = received.at(-1)!;
    expect(hook.failure).toBeNull();
    expect(hook.payload).toMatchObject({
      type: "email.received",
      data: { from: "ana@example.com", subject: "Re: Stay with us?", text: "Yes, please." },
    });
    expect(emailEvents["email.received"].safeParse(hook.payload).success).toBe(true);
    expect(emailReplies.named(hook.payload, config(sims.url))).toBe(conversation.token);
  });

  it("sends a new email, naming no case, from a customer who was sent none", async () => {
    const res = await inbound({ from: "bo@example.com", subject: "My card", text: "I updated my card." });
    expect(res.body.worker?.status).toBe(202);
    const hook = received.at(-1)!;
    expect(hook.failure).toBeNull();
    expect(hook.payload).toMatchObject({
      type: "email.received",
      data: { from: "bo@example.com", to: ["support@crossflow.local"], subject: "My card", text: "I updated my card." },
    });
    expect(emailEvents["email.received"].safeParse(hook.payload).success).toBe(true);
    expect(emailReplies.named(hook.payload, {})).toBeNull();
  });

  it("refuses an email without a sender address or text", async () => {
    expect((await inbound({ text: "who am I?" })).status).toBe(422);
    expect((await inbound({ from: "ana@example.com" })).status).toBe(422);
  });
});
