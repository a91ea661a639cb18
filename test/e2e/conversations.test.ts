/**
 * A customer with two open cases in different workflows answers one of them: only that case receives it. Over HTTP
 * against `wrangler dev`:
 * - by email: an onboarding that asked for their passport again and a refund that asked for the charge id; the email
 *   simulator answers the way a mail client does (to the reply-to address the case set);
 * - by SMS: two workflows that text the same customer from numbers of their own (the product's routing and case
 *   objects plus two test workflows, test/e2e/conversations-worker.ts); the Twilio simulator delivers the customer's
 *   text to the number they answer.
 * A message that names no conversation goes to a person instead of to all of them.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign } from "../../scripts/senders.ts";
import type { SentEmail } from "../../simulators/email.ts";
import type { SmsMessage } from "../../simulators/twilio.ts";
import type { Application } from "../../workers/workflows/customer-onboarding/index.ts";
import { useStack } from "../support/stack.ts";
import { testWorkerConfig } from "../support/test-worker.ts";
import { eventually } from "../support/wait.ts";

const LINE_A = "+15005550101";
const LINE_B = "+15005550102";
const worker = testWorkerConfig("test/e2e/conversations-worker.ts");
afterAll(() => rmSync(worker.dir, { recursive: true, force: true }));
const stack = useStack("conversations", {
  workerConfig: worker.config,
  vars: { TWILIO_FROM_SMS_THREAD_A: LINE_A, TWILIO_FROM_SMS_THREAD_B: LINE_B },
});
const token = () => firstSecret(devVar("CROSSFLOW_API_TOKEN"));
const api = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${stack().worker.url}/api${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token()}`, ...init.headers },
  });
  return { status: res.status, body: (await res.json()) as any };
};
const caseOf = async (workflow: string, email: string) =>
  (await api(`/cases/${workflow}/${encodeURIComponent(`customer:${email}`)}`)).body;
const until = (workflow: string, email: string, done: (v: any) => boolean, what: string) =>
  eventually(async () => ((v) => (done(v) ? v : undefined))(await caseOf(workflow, email)), 30_000, what);
const emailsOf = (view: any): string[] => view.events.filter((e: any) => e.source === "resend").map((e: any) => e.id);
const sentTo = async (address: string) =>
  ((await (await fetch(`${stack().simulators.url}/resend/_sim/sent`)).json()) as { sent: SentEmail[] }).sent.filter(
    (m) => m.to.includes(address),
  );

/** The customer answers sent email `id` from their mail client (to its reply-to address). */
async function answer(id: string, text: string, attachments: unknown[] = []) {
  const res = await fetch(`${stack().simulators.url}/resend/_sim/reply`, {
    method: "POST",
    body: JSON.stringify({ id, text, attachments }),
  });
  const body = (await res.json()) as { worker: { status: number; body: any } };
  expect(body.worker.status).toBe(202);
  return body.worker.body;
}

async function twoOpenCases() {
  const email = `two-cases-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const app: Application = {
    email,
    name: "Ada Byron",
    birthDate: "1990-12-10",
    country: "DE",
    plan: "fiber-500",
    paymentMethod: "pm_card_visa",
    consent: true,
    documents: [{ type: "passport", fileName: "passport.heic", contentType: "image/heic", sizeBytes: 240_000 }],
  };
  expect(
    (
      await post(
        stack().worker.url,
        await sign.hmacSource("onboarding-form", devVar("ONBOARDING_FORM_SECRET")!, `app-${crypto.randomUUID()}`, {
          event: "application.submitted",
          application: app,
        }),
      )
    ).status,
  ).toBe(202);
  const ticket = {
    id: `zd-${crypto.randomUUID()}`,
    type: "zen:event-type:ticket.created",
    time: new Date().toISOString(),
    detail: {
      id: "9100",
      subject: "Refund please",
      description: "I was charged but never used it.",
      tags: ["refund"],
      requester: { email },
    },
  };
  expect((await post(stack().worker.url, await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, ticket))).status).toBe(
    202,
  );
  await until(
    "customer-onboarding",
    email,
    (v) => v.wait?.stepId === "document-0-again:reply",
    "onboarding asks for the passport again",
  );
  await until("refund-dispute", email, (v) => v.wait?.stepId === "details:reply", "refund asks for the charge id");
  const sent = await sentTo(email);
  const onboardingMail = sent.find((m) => m.text.includes("passport") || m.subject.toLowerCase().includes("passport"))!;
  const refundMail = sent.find((m) => m.subject.startsWith("Re: Refund please"))!;
  expect(onboardingMail.reply_to[0]).toMatch(/^reply\+c[0-9a-f]{20}@/);
  expect(refundMail.reply_to[0]).toMatch(/^reply\+c[0-9a-f]{20}@/);
  expect(onboardingMail.reply_to[0]).not.toBe(refundMail.reply_to[0]);
  return { email, onboardingMail, refundMail };
}

describe("replies answer the conversation they belong to", () => {
  it("delivers an answer to the refund's question to the refund case only, and the passport to the onboarding only", async () => {
    const { email, onboardingMail, refundMail } = await twoOpenCases();

    const toRefund = await answer(refundMail.id, "Sorry, I do not have the receipt any more.");
    expect(toRefund.deliveries[0].cases.map((c: any) => c.workflow)).toEqual(["refund-dispute"]);
    const refund = await until(
      "refund-dispute",
      email,
      (v) => v.wait?.stepId !== "details:reply",
      "the refund case took the answer",
    );
    expect(emailsOf(refund)).toHaveLength(1);
    const onboarding = await caseOf("customer-onboarding", email);
    expect(onboarding.wait?.stepId).toBe("document-0-again:reply");
    expect(emailsOf(onboarding)).toHaveLength(0);

    const toOnboarding = await answer(onboardingMail.id, "Here it is as a PDF.", [
      { filename: "passport.pdf", content_type: "application/pdf", size: 180_000 },
    ]);
    expect(toOnboarding.deliveries[0].cases.map((c: any) => c.workflow)).toEqual(["customer-onboarding"]);
    const onboarded = await until(
      "customer-onboarding",
      email,
      (v) => ["resolved", "escalated"].includes(v.header.status),
      "onboarding went on with the passport",
    );
    expect(onboarded.steps.map((s: any) => s.id)).toContain("document-0-check-1");
    expect(emailsOf(await caseOf("refund-dispute", email))).toHaveLength(1);
  });

  it("hands a message that names no conversation to a person with the candidates, and replays it into the case they pick", async () => {
    const { email } = await twoOpenCases();
    const unthreaded = {
      type: "email.received",
      created_at: new Date().toISOString(),
      data: { from: email, to: ["support@crossflow.local"], subject: "hello", text: "YES" },
    };
    const res = await post(
      stack().worker.url,
      await sign.standardWebhooks("resend", devVar("RESEND_WEBHOOK_SECRET")!, unthreaded),
    );
    expect(res.status).toBe(202);
    const delivery = ((await res.json()) as any).deliveries[0];
    expect(delivery).toMatchObject({ status: "dead_lettered", cases: [] });
    expect([...delivery.candidates].sort()).toEqual([
      `customer-onboarding/customer:${email}`,
      `refund-dispute/customer:${email}`,
    ]);
    expect(delivery.reason).toMatch(/names no conversation and the customer has 2 open cases/);
    expect(emailsOf(await caseOf("customer-onboarding", email))).toHaveLength(0);
    expect(emailsOf(await caseOf("refund-dispute", email))).toHaveLength(0);

    expect(
      (
        await api(`/dead-letters/${delivery.deadLetterId}/replay`, {
          method: "POST",
          body: JSON.stringify({ workflow: "nope!" }),
        })
      ).status,
    ).toBe(400);
    const replay = await api(`/dead-letters/${delivery.deadLetterId}/replay`, {
      method: "POST",
      body: JSON.stringify({ workflow: "refund-dispute" }),
    });
    expect(replay.status).toBe(200);
    expect(replay.body.result).toMatchObject({ status: "accepted", cases: [{ workflow: "refund-dispute" }] });
    await until(
      "refund-dispute",
      email,
      (v) => v.wait?.stepId !== "details:reply",
      "the refund case took the replayed answer",
    );
    expect(emailsOf(await caseOf("customer-onboarding", email))).toHaveLength(0);
  });

  it("keeps sending a single open case's customer messages that name no conversation to it", async () => {
    const email = `one-case-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const ticket = {
      id: `zd-${crypto.randomUUID()}`,
      type: "zen:event-type:ticket.created",
      time: new Date().toISOString(),
      detail: { id: "9101", subject: "Refund", description: "Charged twice.", tags: ["refund"], requester: { email } },
    };
    expect((await post(stack().worker.url, await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, ticket))).status).toBe(
      202,
    );
    await until("refund-dispute", email, (v) => v.wait?.stepId === "details:reply", "refund asks for the charge id");
    const mail = {
      type: "email.received",
      created_at: new Date().toISOString(),
      data: { from: email, to: ["support@crossflow.local"], subject: "receipt", text: "no receipt, sorry" },
    };
    const res = await post(
      stack().worker.url,
      await sign.standardWebhooks("resend", devVar("RESEND_WEBHOOK_SECRET")!, mail),
    );
    expect(((await res.json()) as any).deliveries[0]).toMatchObject({
      status: "accepted",
      cases: [{ workflow: "refund-dispute" }],
    });
  });
});

describe("SMS replies answer the conversation they belong to", () => {
  const phoneCase = async (workflow: string, phone: string) =>
    (await api(`/cases/${workflow}/${encodeURIComponent(`phone:${phone}`)}`)).body;
  const texts = async (phone: string) =>
    (
      (await (await fetch(`${stack().simulators.url}/twilio/_sim/messages`)).json()) as { messages: SmsMessage[] }
    ).messages.filter((m) => m.to === phone && m.direction === "outbound-api");
  const textBack = async (from: string, to: string, body: string) => {
    const res = await fetch(`${stack().simulators.url}/twilio/_sim/inbound`, {
      method: "POST",
      body: JSON.stringify({ from, to, body }),
    });
    return ((await res.json()) as { worker: { status: number; body: any } }).worker;
  };

  it("texts each workflow's question from its own number; the customer's answer to one number reaches that case only", async () => {
    const phone = `+4917${String(Date.now()).slice(-8)}`;
    for (const workflow of ["sms-thread-a", "sms-thread-b"]) {
      expect(
        (
          await post(
            stack().worker.url,
            await sign.provisioning(devVar("PROVISIONING_WEBHOOK_SECRET")!, `open-${crypto.randomUUID()}`, {
              event: `${workflow}.opened`,
              phone,
            }),
          )
        ).status,
      ).toBe(202);
      await eventually(
        async () => ((v) => (v.wait?.stepId === "question:reply" ? v : undefined))(await phoneCase(workflow, phone)),
        30_000,
        `${workflow} asks by SMS`,
      );
    }
    expect((await texts(phone)).map((m) => m.from).sort()).toEqual([LINE_A, LINE_B]);

    const answer = await textBack(phone, LINE_B, "YES");
    expect(answer.status).toBe(202);
    expect(answer.body.deliveries[0].cases.map((c: any) => c.workflow)).toEqual(["sms-thread-b"]);
    const b = await eventually(
      async () => ((v) => (v.header.status === "resolved" ? v : undefined))(await phoneCase("sms-thread-b", phone)),
      30_000,
      "line B's case answered",
    );
    expect(b.header.outcome).toBe("answered");
    const a = await phoneCase("sms-thread-a", phone);
    expect(a.wait?.stepId).toBe("question:reply");
    expect(a.events.filter((e: any) => e.source === "twilio")).toHaveLength(0);

    // A text to another workflow's number (onboarding's, where this customer has no case) is not handed to line A: a person decides.
    const stray = await textBack(phone, "+15005550006", "hello?");
    expect(stray.status).toBe(202);
    expect(stray.body.deliveries[0]).toMatchObject({
      status: "dead_lettered",
      candidates: [`sms-thread-a/phone:${phone}`],
    });
    expect((await phoneCase("sms-thread-a", phone)).events.filter((e: any) => e.source === "twilio")).toHaveLength(0);
  });
});
