/**
 * A local Resend-style email API: `POST /emails` sends (with idempotency keys, `reply_to`), the sent mail is kept for
 * inspection. A customer answering a sent email is `POST /_sim/reply { id, text, attachments? }`: like a mail client,
 * it writes to the email's `reply_to` (else its sender) and the inbound mail reaches the worker as Resend's signed
 * `email.received` webhook (Standard Webhooks, set at `POST /_sim/webhooks { url, secret }`).
 */
import { post, sign } from "../scripts/senders.ts";
import { createSimulator, objectId, type Simulator } from "./kit.ts";

export interface SentEmail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  reply_to: string[];
  created_at: string;
}

const list = (value: string | string[] | undefined) => (typeof value === "string" ? [value] : value);

export function emailSimulator(apiKey = "re_crossflow_local"): Simulator & { sent: SentEmail[]; webhook: { url: string | null; secret: string | null } } {
  const sim = createSimulator({ apiKey });
  const sent: SentEmail[] = [];
  const webhook = { url: null as string | null, secret: null as string | null };
  sim.app.post("/emails", async (c) => {
    const body = (await c.req.json().catch(() => null)) as Partial<{ from: string; to: string | string[]; subject: string; text: string; reply_to: string | string[] }> | null;
    const to = list(body?.to);
    if (!body?.from || !to?.length || !body.subject || typeof body.text !== "string") {
      return c.json({ name: "validation_error", message: "`from`, `to`, `subject` and `text` are required", statusCode: 422 }, 422);
    }
    const email: SentEmail = { id: objectId("em"), from: body.from, to, subject: body.subject, text: body.text, reply_to: list(body.reply_to) ?? [], created_at: new Date().toISOString() };
    sent.push(email);
    return c.json({ id: email.id });
  });
  sim.app.post("/_sim/webhooks", async (c) => {
    Object.assign(webhook, await c.req.json());
    return c.json({ ok: true });
  });
  /** The recipient answers sent email `id` from their mail client: to its reply-to address (else its sender). */
  sim.app.post("/_sim/reply", async (c) => {
    const body = (await c.req.json().catch(() => null)) as { id?: string; text?: string; attachments?: unknown[] } | null;
    const original = sent.find((e) => e.id === body?.id);
    if (!original || typeof body?.text !== "string") return c.json({ error: "id (a sent email) and text are required" }, 422);
    if (!webhook.url || !webhook.secret) return c.json({ error: "no worker hooked up: POST /_sim/webhooks { url, secret } first" }, 409);
    const to = original.reply_to.length > 0 ? original.reply_to : [original.from];
    const inbound = { type: "email.received", created_at: new Date().toISOString(), data: { email_id: objectId("em"), from: original.to[0], to, subject: `Re: ${original.subject}`, text: body.text, attachments: body.attachments ?? [] } };
    const res = await post(webhook.url, await sign.standardWebhooks("resend", webhook.secret, inbound));
    return c.json({ inbound, worker: { status: res.status, body: await res.json().catch(() => null) } });
  });
  // Everything sent, for tests and demos (a simulator control: Resend itself has no such list).
  sim.app.get("/_sim/sent", (c) => c.json({ sent }));
  sim.app.get("/emails/:id", (c) => {
    const email = sent.find((e) => e.id === c.req.param("id"));
    return email ? c.json({ object: "email", ...email }) : c.json({ name: "not_found", message: "Email not found", statusCode: 404 }, 404);
  });
  return { ...sim, sent, webhook };
}
