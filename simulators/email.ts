/**
 * A local Resend-style email API: `POST /emails` sends (with idempotency keys, `reply_to`), the sent mail is kept for
 * inspection. A customer's email reaches the worker as Resend's signed `email.received` webhook (Standard Webhooks, set
 * at `POST /_sim/webhooks { url, secret }`), through one of two doors:
 * - `POST /_sim/inbound { from, text, subject?, to?, attachments? }`: the customer `from` writes; like a mail client answering
 *   the newest email they were sent, to its `reply_to` (else its sender), so the reply names the case that asked; with
 *   nothing sent to them, a new email to `support@crossflow.local` (or `to`);
 * - `POST /_sim/reply { id, text, attachments? }`: the recipient answers the sent email `id`.
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

export function emailSimulator(
  apiKey = "re_crossflow_local",
): Simulator & { sent: SentEmail[]; webhook: { url: string | null; secret: string | null } } {
  const sim = createSimulator({ apiKey });
  const sent: SentEmail[] = [];
  const webhook = { url: null as string | null, secret: null as string | null };
  sim.app.post("/emails", async (c) => {
    const body = (await c.req.json().catch(() => null)) as Partial<{
      from: string;
      to: string | string[];
      subject: string;
      text: string;
      reply_to: string | string[];
    }> | null;
    const to = list(body?.to);
    if (!body?.from || !to?.length || !body.subject || typeof body.text !== "string") {
      return c.json(
        { name: "validation_error", message: "`from`, `to`, `subject` and `text` are required", statusCode: 422 },
        422,
      );
    }
    const email: SentEmail = {
      id: objectId("em"),
      from: body.from,
      to,
      subject: body.subject,
      text: body.text,
      reply_to: list(body.reply_to) ?? [],
      created_at: new Date().toISOString(),
    };
    sent.push(email);
    return c.json({ id: email.id });
  });
  sim.app.post("/_sim/webhooks", async (c) => {
    Object.assign(webhook, await c.req.json());
    return c.json({ ok: true });
  });
  /** Sends the customer's email to the worker, signed as Resend signs its `email.received` webhook. */
  const deliver = async (mail: {
    from: string;
    to: string[];
    subject: string;
    text: string;
    attachments?: unknown[];
  }) => {
    const inbound = {
      type: "email.received",
      created_at: new Date().toISOString(),
      data: { email_id: objectId("em"), ...mail, attachments: mail.attachments ?? [] },
    };
    const res = await post(webhook.url!, await sign.standardWebhooks("resend", webhook.secret!, inbound));
    return { inbound, worker: { status: res.status, body: await res.json().catch(() => null) } };
  };
  /** What a mail client's "Reply" writes: to the reply-to address (else the sender), under "Re: <subject>". */
  const answer = (original: SentEmail, text: string, attachments?: unknown[]) => ({
    from: original.to[0]!,
    to: original.reply_to.length > 0 ? original.reply_to : [original.from],
    subject: `Re: ${original.subject}`,
    text,
    attachments,
  });
  const hookedUp = () => Boolean(webhook.url && webhook.secret);
  const notHookedUp = { error: "no worker hooked up: POST /_sim/webhooks { url, secret } first" };

  /** The recipient answers sent email `id` from their mail client. */
  sim.app.post("/_sim/reply", async (c) => {
    const body = (await c.req.json().catch(() => null)) as {
      id?: string;
      text?: string;
      attachments?: unknown[];
    } | null;
    const original = sent.find((e) => e.id === body?.id);
    if (!original || typeof body?.text !== "string")
      return c.json({ error: "id (a sent email) and text are required" }, 422);
    if (!hookedUp()) return c.json(notHookedUp, 409);
    return c.json(await deliver(answer(original, body.text, body.attachments)));
  });
  /** The customer `from` writes: an answer to the newest email sent to them, else a new email (the door `npm start` shows). */
  sim.app.post("/_sim/inbound", async (c) => {
    const body = (await c.req.json().catch(() => null)) as {
      from?: string;
      text?: string;
      subject?: string;
      to?: string;
      attachments?: unknown[];
    } | null;
    if (typeof body?.from !== "string" || !body.from.includes("@") || typeof body.text !== "string")
      return c.json({ error: "from (an email address) and text are required" }, 422);
    if (!hookedUp()) return c.json(notHookedUp, 409);
    const from = body.from.trim().toLowerCase();
    const newest = [...sent].reverse().find((e) => e.to.some((to) => to.toLowerCase() === from));
    const mail = newest
      ? { ...answer(newest, body.text, body.attachments), from: body.from }
      : {
          from: body.from,
          to: [body.to ?? "support@crossflow.local"],
          subject: body.subject ?? "(no subject)",
          text: body.text,
          attachments: body.attachments,
        };
    return c.json(await deliver(mail));
  });
  // Everything sent, for tests and demos (a simulator control: Resend itself has no such list).
  sim.app.get("/_sim/sent", (c) => c.json({ sent }));
  sim.app.get("/emails/:id", (c) => {
    const email = sent.find((e) => e.id === c.req.param("id"));
    return email
      ? c.json({ object: "email", ...email })
      : c.json({ name: "not_found", message: "Email not found", statusCode: 404 }, 404);
  });
  return { ...sim, sent, webhook };
}
