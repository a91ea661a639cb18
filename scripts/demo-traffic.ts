/**
 * Demo traffic for the reference workflows, in a realistic mix, through the same signed webhooks and simulators
 * production would see:
 * - refund-dispute: customers with real charges in the Stripe simulator write refund tickets (opened in the Zendesk
 *   simulator, which reports each to the worker with a signed webhook): duplicate
 *   charges refunded autonomously, large ones held for approval, fraud and unclear requests handed to people,
 *   tickets without a charge id answered by email with one; some large ones approved by an operator's click in Slack
 *   (the Slack simulator's signed interaction), the rest left for the dashboard's inbox;
 * - customer-onboarding: applications from the signup form: most go through; some send a document in the wrong
 *   format (and resend it, by email, or by MMS from applicants who chose SMS), some screen ambiguous (the agent
 *   clears them) or match a watchlist (compliance), some cards are declined (a new method is sent), some come from
 *   a market not served.
 * About one delivery in ten is sent twice, as a sender retrying would. Used by `npm run demo` and `npm start`.
 */

import { SIMULATOR_KEYS } from "../simulators/keys.ts";
import { post, type SignedRequest, sign } from "./senders.ts";

export interface DemoTarget {
  workerUrl: string;
  simulatorsUrl: string;
  apiToken: string;
  resendSecret: string;
  onboardingSecret: string;
}

export type DemoWorkflow = "refund-dispute" | "customer-onboarding";

export interface DemoCase {
  workflow: DemoWorkflow;
  kind: string;
  /** The case's key: `customer:<email>`, or `customer:<phone>` for an applicant who chose SMS. */
  caseKey: string;
  email: string;
  /** E.164, for applicants who talk by SMS. */
  phone?: string;
  charge?: string;
}

interface Scenario {
  workflow: DemoWorkflow;
  kind: string;
  /** Share within its workflow, in percent. */
  weight: number;
  open(target: DemoTarget, c: DemoCase, n: number): Promise<void>;
  /** What the customer answers when the case asks them something (by the step that asked). */
  answer?(target: DemoTarget, c: DemoCase, askedBy: string): Promise<void>;
  /** Set when a person approves the case's approval request outside the dashboard (a click in Slack). */
  approve?(target: DemoTarget, c: DemoCase): Promise<void>;
  /** Applicants who talk by SMS. */
  sms?: boolean;
}

const rand = (n: number) => Math.floor(Math.random() * n);

async function deliver(target: DemoTarget, request: SignedRequest, what: string): Promise<void> {
  const res = await post(target.workerUrl, request);
  if (res.status !== 202) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  if (rand(10) === 0) await post(target.workerUrl, request); // a retried delivery: answered as a duplicate
}

async function email(target: DemoTarget, c: DemoCase, text: string, attachments: unknown[] = []): Promise<void> {
  const reply = {
    type: "email.received",
    created_at: new Date().toISOString(),
    data: { from: c.email, subject: "Re: your request", text, attachments },
  };
  const res = await post(target.workerUrl, await sign.standardWebhooks("resend", target.resendSecret, reply));
  if (res.status !== 202) throw new Error(`reply from ${c.email}: ${res.status} ${await res.text()}`);
}

/** The customer texts back through the Twilio simulator, which signs Twilio's inbound webhook to the worker. */
async function textBack(
  target: DemoTarget,
  c: DemoCase,
  body: string,
  media: { url: string; contentType: string }[] = [],
): Promise<void> {
  const res = await fetch(`${target.simulatorsUrl}/twilio/_sim/inbound`, {
    method: "POST",
    body: JSON.stringify({ from: c.phone, body, media }),
  });
  const sent = (await res.json().catch(() => null)) as { worker?: { status: number } } | null;
  if (sent?.worker?.status !== 202) throw new Error(`SMS from ${c.phone}: ${res.status} ${JSON.stringify(sent)}`);
}

/** A declared approver (SLACK_APPROVERS in .dev.vars) clicks Approve on the case's Slack message. */
async function approveInSlack(target: DemoTarget, c: DemoCase): Promise<void> {
  const res = await fetch(`${target.simulatorsUrl}/slack/_sim/click`, {
    method: "POST",
    body: JSON.stringify({ user: SLACK_DEMO_APPROVER, action: "approve", caseKey: c.caseKey }),
  });
  const clicked = (await res.json().catch(() => null)) as { worker?: { status: number } } | null;
  if (clicked?.worker?.status !== 200)
    throw new Error(`Slack approval for ${c.caseKey}: ${res.status} ${JSON.stringify(clicked)}`);
}

/** The operator the local .dev.vars lets approve from Slack. */
const SLACK_DEMO_APPROVER = "U0CFOPSANA";

// refund-dispute

async function seedCharge(target: DemoTarget, id: string, amount: number): Promise<void> {
  const res = await fetch(`${target.simulatorsUrl}/stripe/v1/charges`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ id, amount: String(amount), currency: "eur" }),
  });
  if (!res.ok) throw new Error(`seeding charge ${id}: ${res.status} ${await res.text()}`);
}

function ticket(
  kind: string,
  weight: number,
  amount: () => number,
  text: (charge: string) => string,
  extra: Pick<Scenario, "answer" | "approve"> = {},
): Scenario {
  return {
    ...extra,
    workflow: "refund-dispute",
    kind,
    weight,
    async open(target, c) {
      await seedCharge(target, c.charge!, amount());
      // The customer writes to support; the Zendesk simulator reports the new ticket to the worker, signed.
      const res = await fetch(`${target.simulatorsUrl}/zendesk/api/v2/tickets.json`, {
        method: "POST",
        headers: { authorization: `Bearer ${SIMULATOR_KEYS.zendesk}`, "content-type": "application/json" },
        body: JSON.stringify({
          ticket: {
            subject: "Refund request",
            comment: { body: text(c.charge!) },
            requester: { email: c.email },
            tags: ["refund"],
          },
        }),
      });
      if (res.status !== 201) throw new Error(`ticket for ${c.email}: ${res.status} ${await res.text()}`);
      const { ticket } = (await res.json()) as { ticket: { id: number } };
      // A sender retrying: the same event again, answered as a duplicate.
      if (rand(10) === 0)
        await fetch(`${target.simulatorsUrl}/zendesk/_sim/redeliver`, {
          method: "POST",
          body: JSON.stringify({ ticketId: ticket.id }),
        });
    },
  };
}

// customer-onboarding

const passport = { type: "passport", fileName: "passport.pdf", contentType: "application/pdf", sizeBytes: 240_000 };

function application(
  kind: string,
  weight: number,
  overrides: Record<string, unknown>,
  extra: Pick<Scenario, "answer" | "sms"> = {},
): Scenario {
  return {
    ...extra,
    workflow: "customer-onboarding",
    kind,
    weight,
    async open(target, c) {
      const contact = c.phone ? { phone: c.phone, contactBy: "sms" } : {};
      const app = {
        email: c.email,
        name: "Alex Demo",
        birthDate: "1988-03-14",
        country: "DE",
        plan: "fiber-500",
        paymentMethod: "pm_card_visa",
        consent: true,
        documents: [passport],
        ...contact,
        ...overrides,
      };
      await deliver(
        target,
        await sign.hmacSource("onboarding-form", target.onboardingSecret, `app-${c.email}`, {
          event: "application.submitted",
          application: app,
        }),
        `application of ${c.email}`,
      );
    },
  };
}

export const SCENARIOS: readonly Scenario[] = [
  ticket(
    "duplicate",
    55,
    () => 1_500 + rand(3_000),
    (ch) => `Hi, I was charged twice for my last order. The duplicate is ${ch}.`,
  ),
  ticket(
    "not-arrived",
    8,
    () => 2_000 + rand(2_500),
    (ch) => `My order never arrived and I paid with ${ch}. Please refund.`,
  ),
  ticket(
    "large",
    6,
    () => 6_000 + rand(3_500),
    (ch) => `You double charged me on ${ch}, I want my money back.`,
  ),
  ticket(
    "large-approved-in-slack",
    4,
    () => 6_000 + rand(3_500),
    (ch) => `You charged me twice on ${ch}, please refund one.`,
    { approve: approveInSlack },
  ),
  ticket(
    "over-cap",
    4,
    () => 15_000 + rand(10_000),
    (ch) => `Duplicate charge ${ch} on my annual plan.`,
  ),
  ticket(
    "fraud",
    7,
    () => 1_000 + rand(4_000),
    (ch) => `I did not authorize ${ch}, my card was stolen.`,
  ),
  ticket(
    "unclear",
    6,
    () => 2_000 + rand(2_000),
    (ch) => `I'm not happy with ${ch}, can you do something?`,
  ),
  ticket(
    "needs-details",
    10,
    () => 1_500 + rand(2_500),
    () => "I was charged twice last week, please fix it.",
    { answer: (target, c) => email(target, c, `Sorry! It is ${c.charge}, I was charged twice.`) },
  ),
  application("happy", 55, {}),
  application("happy-by-sms", 5, {}, { sms: true }),
  application(
    "wrong-document",
    7,
    { documents: [{ ...passport, fileName: "passport.heic", contentType: "image/heic" }] },
    {
      answer: (target, c) =>
        email(target, c, "Here it is as a PDF.", [
          { filename: "passport.pdf", content_type: "application/pdf", size: 180_000 },
        ]),
    },
  ),
  application(
    "wrong-document-by-sms",
    3,
    { documents: [{ ...passport, fileName: "passport.heic", contentType: "image/heic" }] },
    {
      sms: true,
      answer: (target, c) =>
        textBack(target, c, "here it is as a pdf", [
          {
            url: `https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM${c.phone!.slice(1)}/Media/ME1`,
            contentType: "application/pdf",
          },
        ]),
    },
  ),
  application("ambiguous-screening", 10, { name: "Carlos Gomez" }),
  application("sanctions-hit", 5, { name: "Ivan Petrov", birthDate: "1961-04-12" }),
  application(
    "card-declined",
    10,
    { paymentMethod: "pm_card_chargeDeclined" },
    { answer: (target, c) => email(target, c, "Please use pm_card_mastercard instead.") },
  ),
  application("unsupported-market", 5, { country: "BR" }),
];

function pick(workflows: readonly DemoWorkflow[]): Scenario {
  const workflow = workflows[rand(workflows.length)]!;
  const candidates = SCENARIOS.filter((s) => s.workflow === workflow);
  let r = rand(candidates.reduce((n, s) => n + s.weight, 0));
  for (const s of candidates) {
    r -= s.weight;
    if (r < 0) return s;
  }
  return candidates[0]!;
}

/** Opens one demo case of one of `workflows`. */
export async function sendDemoCase(
  target: DemoTarget,
  run: string,
  n: number,
  workflows: readonly DemoWorkflow[] = ["refund-dispute", "customer-onboarding"],
): Promise<DemoCase> {
  const scenario = pick(workflows);
  const email = `demo-${run}-${n}@example.com`;
  // A German mobile number per case: the run's clock and the case's number, so runs do not share customers.
  const phone = scenario.sms ? `+491${String(parseInt(run, 36)).slice(-6)}${String(n).padStart(5, "0")}` : undefined;
  const c: DemoCase = {
    workflow: scenario.workflow,
    kind: scenario.kind,
    caseKey: `customer:${phone ?? email}`,
    email,
    ...(phone ? { phone } : {}),
    ...(scenario.workflow === "refund-dispute" ? { charge: `ch_demo${run}${n}` } : {}),
  };
  await scenario.open(target, c, n);
  return c;
}

export type DemoState = "resolved" | "awaiting approval" | "escalated" | "asked customer" | "failed" | "in flight";

export async function caseState(
  target: DemoTarget,
  c: DemoCase,
): Promise<{ state: DemoState; humanTouch: boolean; askedBy: string | null }> {
  const res = await fetch(`${target.workerUrl}/api/cases/${c.workflow}/${encodeURIComponent(c.caseKey)}`, {
    headers: { authorization: `Bearer ${target.apiToken}` },
  });
  if (res.status === 404) return { state: "in flight", humanTouch: false, askedBy: null };
  const view = (await res.json()) as {
    header: { status: string };
    wait: { kind: string; stepId: string } | null;
    decisions: unknown[];
  };
  const { status } = view.header;
  const state: DemoState =
    status === "resolved"
      ? "resolved"
      : status === "failed"
        ? "failed"
        : status === "escalated"
          ? "escalated"
          : status === "waiting"
            ? view.wait?.kind === "human"
              ? "awaiting approval"
              : view.wait?.kind === "event" && view.wait.stepId.includes(":reply")
                ? "asked customer"
                : "in flight"
            : "in flight";
  return {
    state,
    humanTouch: view.decisions.length > 0,
    askedBy: state === "asked customer" ? view.wait!.stepId : null,
  };
}

const scenarioOf = (c: DemoCase) => SCENARIOS.find((s) => s.workflow === c.workflow && s.kind === c.kind);

/** The customer's answer to what their case asked them; false when the scenario has none. */
export async function answer(target: DemoTarget, c: DemoCase, askedBy: string): Promise<boolean> {
  const scenario = scenarioOf(c);
  if (!scenario?.answer) return false;
  await scenario.answer(target, c, askedBy);
  return true;
}

/** A person's approval from outside the dashboard, for the scenarios that have one; false for the others. */
export async function approve(target: DemoTarget, c: DemoCase): Promise<boolean> {
  const scenario = scenarioOf(c);
  if (!scenario?.approve) return false;
  await scenario.approve(target, c);
  return true;
}
