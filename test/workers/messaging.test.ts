/**
 * SMS and Slack inside workerd, through the worker's own webhook door and the real case objects, with the
 * connectors pointed at the simulators: an SMS-preferring applicant is asked by SMS and their signed Twilio reply
 * resumes the case; a refund approval is posted to Slack and a signed button click decides it, refused for a
 * Slack user who is not a declared approver (audited) or lacks the role.
 */
import { describe, expect, inject, it } from "vitest";
import { sign } from "../../scripts/senders.ts";
import { SIMULATOR_KEYS, SIMULATOR_TWILIO_ACCOUNT } from "../../simulators/keys.ts";
import { blockActionsPayload, type PostedMessage } from "../../simulators/slack.ts";
import { inboundSmsParams, type SmsMessage } from "../../simulators/twilio.ts";
import type { CaseView } from "../../workers/platform/cloudflare/case-object.ts";
import { api, ORIGIN, secret, send, settle, viewOf } from "./helpers.ts";

const simulators = () => inject("simulatorsUrl");
const simGet = async <T>(path: string): Promise<T> => (await fetch(`${simulators()}${path}`)).json() as Promise<T>;
const smsTo = async (phone: string) =>
  (await simGet<{ messages: SmsMessage[] }>("/twilio/_sim/messages")).messages.filter(
    (m) => m.to === phone && m.direction === "outbound-api",
  );
let serial = 0;
const unique = () => `${++serial}${crypto.randomUUID().replaceAll("-", "").slice(0, 6)}`;

/** A customer's SMS, signed by Twilio's scheme over the URL the worker is called at. */
async function textBack(from: string, body: string, media: { url: string; contentType: string }[] = []) {
  const message = {
    sid: `SM${crypto.randomUUID().replaceAll("-", "")}`,
    account_sid: SIMULATOR_TWILIO_ACCOUNT,
    from,
    to: "+15005550006",
    body,
    num_segments: "1",
  };
  return send(await sign.twilio(secret("TWILIO_AUTH_TOKEN"), inboundSmsParams(message, media), { origin: ORIGIN }));
}

describe("SMS as an ask channel (customer-onboarding v2 on)", () => {
  const WF = "customer-onboarding";
  const application = (phone: string, overrides: Record<string, unknown> = {}) => ({
    email: `sms-${unique()}@example.com`,
    name: "Ada Byron",
    birthDate: "1990-12-10",
    country: "DE",
    plan: "fiber-500",
    paymentMethod: "pm_card_visa",
    consent: true,
    documents: [{ type: "passport", fileName: "passport.heic", contentType: "image/heic", sizeBytes: 1000 }],
    phone,
    contactBy: "sms",
    ...overrides,
  });

  it("asks by SMS for a document in the wrong format, and the customer's MMS reply resumes the case to the end", async () => {
    const phone = `+4915${String(Date.now()).slice(-8)}${serial++ % 10}`;
    const app = application(phone);
    const opened = await send(
      await sign.hmacSource("onboarding-form", secret("ONBOARDING_FORM_SECRET"), `app-${unique()}`, {
        event: "application.submitted",
        application: app,
      }),
    );
    expect(opened.status).toBe(202);
    const caseKey = `customer:${phone}`;
    expect(opened.body.deliveries[0].cases[0]).toMatchObject({ workflow: WF, version: 4, caseKey });
    await settle(WF, caseKey, (v) => v.wait?.stepId === "document-0-again:reply");
    expect((await smsTo(phone)).map((m) => m.body)).toEqual([
      expect.stringContaining("We could not accept your passport: unsupported format image/heic"),
    ]);

    const reply = await textBack(phone.replace("+49", "0049"), "Here it is", [
      { url: "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM1/Media/ME1", contentType: "application/pdf" },
    ]);
    expect(reply.status).toBe(202);
    expect(reply.body.deliveries[0].cases[0]).toMatchObject({ workflow: WF, caseKey, status: "accepted" });
    // Provisioning confirms with its signed webhook (its simulator cannot reach this in-process worker).
    const waiting = await settle(WF, caseKey, (v) => v.wait?.stepId === "service-activated");
    expect(waiting.steps.map((s) => s.id).slice(1, 5)).toEqual([
      "document-0-check-0",
      "document-0-again:send",
      "document-0-again:reply",
      "document-0-check-1",
    ]);
    const activated = await send(
      await sign.provisioning(secret("PROVISIONING_WEBHOOK_SECRET"), `evt_${unique()}`, {
        event: "service.activated",
        activation: { id: "act_1", status: "active", customer: { email: app.email, phone } },
      }),
    );
    expect(activated.body.deliveries[0].cases[0]).toMatchObject({ caseKey, status: "accepted" });
    const done = await settle(WF, caseKey);
    expect(done.header).toMatchObject({ status: "resolved", outcome: "onboarded", workflowVersion: 4 });
    expect((await smsTo(phone)).map((m) => m.body)).toContain("Hi Ada Byron, your fiber-500 service is active.");

    // After the resolution, the satisfaction question goes out by SMS too; the customer's "4" comes back to this
    // (resolved) case, which records it and stays resolved with its closing time.
    const surveyed = await settle(WF, caseKey, (v) => v.wait?.stepId === "satisfaction:reply");
    expect(surveyed.header).toMatchObject({ status: "resolved", closedAt: done.header.closedAt });
    expect((await smsTo(phone)).map((m) => m.body).at(-1)).toContain("How satisfied are you");
    const rated = await textBack(phone, "4");
    expect(rated.body.deliveries[0].cases[0]).toMatchObject({ workflow: WF, caseKey, status: "accepted" });
    const after = await settle(WF, caseKey, (v) => v.wait === null && v.pendingMetrics === 0);
    expect(after.header).toMatchObject({ status: "resolved", outcome: "onboarded", closedAt: done.header.closedAt });
    const audit = await api(`/cases/${WF}/${encodeURIComponent(caseKey)}/audit`);
    expect(
      audit.body.entries.find((e: { action: string }) => e.action === "satisfaction.answered")?.detail,
    ).toMatchObject({
      score: 4,
    });
  });

  it("takes consent by SMS and escalates when the customer does not agree", async () => {
    const phone = `+3361${String(Date.now()).slice(-7)}${serial++ % 10}`;
    const app = application(phone, {
      consent: false,
      documents: [{ type: "passport", fileName: "p.pdf", contentType: "application/pdf", sizeBytes: 1000 }],
    });
    await send(
      await sign.hmacSource("onboarding-form", secret("ONBOARDING_FORM_SECRET"), `app-${unique()}`, {
        event: "application.submitted",
        application: app,
      }),
    );
    await settle(WF, `customer:${phone}`, (v) => v.wait?.stepId === "consent:reply");
    expect((await smsTo(phone)).at(-1)?.body).toContain("Please reply YES to agree.");
    await textBack(phone, "no thanks");
    const view = await settle(WF, `customer:${phone}`, (v) => v.header.status === "escalated");
    expect(view.wait?.human).toMatchObject({ queue: "onboarding", packet: { reason: "the customer did not agree" } });
  });

  it("keeps an applicant who prefers email on email, keyed by their address", async () => {
    const app = application("+4915100000000", { contactBy: "email" });
    const opened = await send(
      await sign.hmacSource("onboarding-form", secret("ONBOARDING_FORM_SECRET"), `app-${unique()}`, {
        event: "application.submitted",
        application: app,
      }),
    );
    expect(opened.body.deliveries[0].cases[0].caseKey).toBe(`customer:${app.email}`);
  });

  it("dead-letters an SMS from a number no case is talking to", async () => {
    const res = await textBack("+4915199999999", "hello?");
    expect(res.status).toBe(202);
    expect(res.body.deliveries[0]).toMatchObject({
      status: "dead_lettered",
      reason: expect.stringMatching(/no open case/),
    });
  });
});

describe("Slack approvals (refund-dispute v2)", () => {
  const WF = "refund-dispute";

  /** A refund over 50 EUR: the agent proposes it, the approval is posted to Slack; resolves with the message. */
  async function largeRefundWaiting(email = `slack-${unique()}@example.com`, seq = 1) {
    const charge = `ch_slack${unique()}`;
    await fetch(`${simulators()}/stripe/v1/charges`, {
      method: "POST",
      headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}` },
      body: new URLSearchParams({ id: charge, amount: "8000", currency: "eur" }),
    });
    const ticket = {
      id: `zd-${unique()}`,
      type: "zen:event-type:ticket.created",
      time: new Date().toISOString(),
      detail: {
        id: "7001",
        subject: "Charged twice",
        description: `I was charged twice for ${charge}, please refund the duplicate.`,
        tags: ["refund"],
        requester: { email },
      },
    };
    expect((await send(await sign.zendesk(secret("ZENDESK_WEBHOOK_SECRET"), ticket))).status).toBe(202);
    const caseKey = `customer:${email}`;
    const view = await settle(WF, caseKey, (v) => v.wait?.kind === "human", seq);
    const { messages } = await simGet<{ messages: PostedMessage[] }>("/slack/_sim/messages");
    const message = messages.findLast((m) => JSON.stringify(m.blocks).includes(JSON.stringify(caseKey).slice(1, -1)))!;
    return { caseKey, charge, view, message };
  }
  const click = async (message: PostedMessage, user: string, action: "approve" | "reject") =>
    send(await sign.slackInteraction(secret("SLACK_SIGNING_SECRET"), blockActionsPayload(message, { user, action })));
  const refundsOf = async (charge: string) =>
    (
      (await (
        await fetch(`${simulators()}/stripe/v1/refunds`, {
          headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}` },
        })
      ).json()) as { data: { charge: string }[] }
    ).data.filter((r) => r.charge === charge);

  it("posts the approval to Slack with buttons naming the case, and an approver's click resumes the case to the refund", async () => {
    const { caseKey, charge, view, message } = await largeRefundWaiting();
    expect(view.header.workflowVersion).toBe(2);
    expect(view.steps.map((s) => s.id)).toContain(`${view.wait!.stepId}:notify`);
    expect(message.text).toMatch(/^Approval needed: refund proposed by/);
    const approve = message.blocks
      .find((b) => b.type === "actions")!
      .elements!.find((e) => e.action_id === "crossflow.approve")!;
    expect(JSON.parse(approve.value!)).toEqual({ workflow: WF, caseKey, seq: 1, step: view.wait!.stepId });

    const res = await click(message, "U0TESTOPS", "approve");
    expect(res).toMatchObject({
      status: 200,
      body: { accepted: true, duplicate: false, decision: "approve", actor: "ops-ana" },
    });
    const done = await settle(WF, caseKey);
    expect(done.header).toMatchObject({ status: "resolved", outcome: "refunded" });
    expect(done.decisions).toEqual([
      expect.objectContaining({
        decision: "approve",
        actor: { id: "ops-ana", roles: ["operator"] },
        note: "from Slack (U0TESTOPS)",
      }),
    ]);
    expect(await refundsOf(charge)).toHaveLength(1);
  });

  it("refuses a click by a Slack user who is not a declared approver, audited, and leaves the case waiting", async () => {
    const { caseKey, view, message } = await largeRefundWaiting();
    const res = await click(message, "U0STRANGER", "approve");
    expect(res).toMatchObject({
      status: 403,
      body: {
        error: {
          code: "not_authorized",
          message: "Slack user U0STRANGER is not a declared approver (SLACK_APPROVERS)",
        },
      },
    });
    const after = (await viewOf(WF, caseKey)) as CaseView;
    expect(after.wait?.stepId).toBe(view.wait!.stepId);
    expect(after.decisions).toEqual([]);
    expect(after.timeline.at(-1)).toMatchObject({
      action: "human.decision_refused",
      actor: { kind: "human", id: "slack:U0STRANGER" },
      detail: { code: "not_authorized" },
    });
  });

  it("refuses an approver without the role, then takes a rejection: the refund is not made", async () => {
    const { caseKey, charge, message } = await largeRefundWaiting();
    expect(await click(message, "U0TESTVIEW", "approve")).toMatchObject({
      status: 403,
      body: { error: { code: "not_authorized" } },
    });
    expect((await click(message, "U0TESTOPS", "reject")).status).toBe(200);
    const done = await settle(WF, caseKey);
    expect(done.header).toMatchObject({ status: "resolved", outcome: "refund-not-approved" });
    expect(await refundsOf(charge)).toHaveLength(0);
    // The same click delivered again is the same decision; a late one on an ended wait is refused.
    expect((await click(message, "U0TESTOPS", "approve")).body.error.code).toBe("wait_ended");
  });

  it("never lets a click on an ended case's message decide the customer's next case, waiting on the same step", async () => {
    const first = await largeRefundWaiting();
    expect((await click(first.message, "U0TESTOPS", "reject")).status).toBe(200);
    await settle(WF, first.caseKey);
    // The customer's next refund ticket: the key's second case, parked on an approval of the same step id.
    const second = await largeRefundWaiting(first.caseKey.slice("customer:".length), 2);
    expect(second.view.header.caseId).toBe(`${WF}@2/${first.caseKey}`);
    expect(second.view.wait?.stepId).toBe(first.view.wait?.stepId);
    expect((await click(first.message, "U0TESTOPS", "approve")).body.error.code).toBe("wait_ended");
    const untouched = (await api(`/cases/${WF}/${encodeURIComponent(first.caseKey)}?seq=2`)).body as CaseView;
    expect([untouched.wait?.stepId, untouched.decisions]).toEqual([second.view.wait?.stepId, []]);
    // Its own message decides it.
    expect((await click(second.message, "U0TESTOPS", "approve")).body).toMatchObject({
      accepted: true,
      decision: "approve",
    });
  });
});
