/**
 * Demo traffic for the reference workflows, in a realistic mix, through the same signed webhooks and simulators
 * production would see:
 * - refund-dispute: customers with real charges in the Stripe simulator write refund tickets (Zendesk): duplicate
 *   charges refunded autonomously, large ones held for approval, fraud and unclear requests handed to people,
 *   tickets without a charge id answered by email with one;
 * - customer-onboarding: applications from the signup form: most go through; some send a document in the wrong
 *   format (and resend it), some screen ambiguous (the agent clears them) or match a watchlist (compliance), some
 *   cards are declined (a new method is sent), some come from a market not served.
 * About one delivery in ten is sent twice, as a sender retrying would. Used by `npm run demo` and `npm start`.
 */
import { post, sign } from "./senders.ts";
import { SIMULATOR_KEYS } from "../simulators/keys.ts";

export interface DemoTarget {
  workerUrl: string;
  simulatorsUrl: string;
  apiToken: string;
  zendeskSecret: string;
  resendSecret: string;
  onboardingSecret: string;
}

export type DemoWorkflow = "refund-dispute" | "customer-onboarding";

export interface DemoCase {
  workflow: DemoWorkflow;
  kind: string;
  email: string;
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
}

const rand = (n: number) => Math.floor(Math.random() * n);

async function deliver(target: DemoTarget, request: Awaited<ReturnType<typeof sign.zendesk>>, what: string): Promise<void> {
  const res = await post(target.workerUrl, request);
  if (res.status !== 202) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  if (rand(10) === 0) await post(target.workerUrl, request); // a retried delivery: answered as a duplicate
}

async function email(target: DemoTarget, c: DemoCase, text: string, attachments: unknown[] = []): Promise<void> {
  const reply = { type: "email.received", created_at: new Date().toISOString(), data: { from: c.email, subject: "Re: your request", text, attachments } };
  const res = await post(target.workerUrl, await sign.standardWebhooks("resend", target.resendSecret, reply));
  if (res.status !== 202) throw new Error(`reply from ${c.email}: ${res.status} ${await res.text()}`);
}

// refund-dispute

async function seedCharge(target: DemoTarget, id: string, amount: number): Promise<void> {
  const res = await fetch(`${target.simulatorsUrl}/stripe/v1/charges`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ id, amount: String(amount), currency: "eur" }),
  });
  if (!res.ok) throw new Error(`seeding charge ${id}: ${res.status} ${await res.text()}`);
}

function ticket(kind: string, weight: number, amount: () => number, text: (charge: string) => string, answer?: Scenario["answer"]): Scenario {
  return {
    workflow: "refund-dispute",
    kind,
    weight,
    async open(target, c, n) {
      await seedCharge(target, c.charge!, amount());
      const payload = { id: `zd-${c.email}`, type: "zen:event-type:ticket.created", time: new Date().toISOString(), detail: { id: `${n}`, subject: "Refund request", description: text(c.charge!), tags: ["refund"], requester: { email: c.email } } };
      await deliver(target, await sign.zendesk(target.zendeskSecret, payload), `ticket for ${c.email}`);
    },
    answer,
  };
}

// customer-onboarding

const passport = { type: "passport", fileName: "passport.pdf", contentType: "application/pdf", sizeBytes: 240_000 };

function application(kind: string, weight: number, overrides: Record<string, unknown>, answer?: Scenario["answer"]): Scenario {
  return {
    workflow: "customer-onboarding",
    kind,
    weight,
    async open(target, c) {
      const app = { email: c.email, name: "Alex Demo", birthDate: "1988-03-14", country: "DE", plan: "fiber-500", paymentMethod: "pm_card_visa", consent: true, documents: [passport], ...overrides };
      await deliver(target, await sign.hmacSource("onboarding-form", target.onboardingSecret, `app-${c.email}`, { event: "application.submitted", application: app }), `application of ${c.email}`);
    },
    answer,
  };
}

export const SCENARIOS: readonly Scenario[] = [
  ticket("duplicate", 55, () => 1_500 + rand(3_000), (ch) => `Hi, I was charged twice for my last order. The duplicate is ${ch}.`),
  ticket("not-arrived", 8, () => 2_000 + rand(2_500), (ch) => `My order never arrived and I paid with ${ch}. Please refund.`),
  ticket("large", 10, () => 6_000 + rand(3_500), (ch) => `You double charged me on ${ch}, I want my money back.`),
  ticket("over-cap", 4, () => 15_000 + rand(10_000), (ch) => `Duplicate charge ${ch} on my annual plan.`),
  ticket("fraud", 7, () => 1_000 + rand(4_000), (ch) => `I did not authorize ${ch}, my card was stolen.`),
  ticket("unclear", 6, () => 2_000 + rand(2_000), (ch) => `I'm not happy with ${ch}, can you do something?`),
  ticket("needs-details", 10, () => 1_500 + rand(2_500), () => "I was charged twice last week, please fix it.", (target, c) => email(target, c, `Sorry! It is ${c.charge}, I was charged twice.`)),
  application("happy", 60, {}),
  application("wrong-document", 10, { documents: [{ ...passport, fileName: "passport.heic", contentType: "image/heic" }] }, (target, c) =>
    email(target, c, "Here it is as a PDF.", [{ filename: "passport.pdf", content_type: "application/pdf", size: 180_000 }]),
  ),
  application("ambiguous-screening", 10, { name: "Carlos Gomez" }),
  application("sanctions-hit", 5, { name: "Ivan Petrov", birthDate: "1961-04-12" }),
  application("card-declined", 10, { paymentMethod: "pm_card_chargeDeclined" }, (target, c) => email(target, c, "Please use pm_card_mastercard instead.")),
  application("unsupported-market", 5, { country: "BR" }),
];

function pick(workflows: readonly DemoWorkflow[]): Scenario {
  const workflow = workflows[rand(workflows.length)]!;
  const candidates = SCENARIOS.filter((s) => s.workflow === workflow);
  let r = rand(candidates.reduce((n, s) => n + s.weight, 0));
  for (const s of candidates) if ((r -= s.weight) < 0) return s;
  return candidates[0]!;
}

/** Opens one demo case of one of `workflows`. */
export async function sendDemoCase(target: DemoTarget, run: string, n: number, workflows: readonly DemoWorkflow[] = ["refund-dispute", "customer-onboarding"]): Promise<DemoCase> {
  const scenario = pick(workflows);
  const c: DemoCase = { workflow: scenario.workflow, kind: scenario.kind, email: `demo-${run}-${n}@example.com`, ...(scenario.workflow === "refund-dispute" ? { charge: `ch_demo${run}${n}` } : {}) };
  await scenario.open(target, c, n);
  return c;
}

export type DemoState = "resolved" | "awaiting approval" | "escalated" | "asked customer" | "failed" | "in flight";

export async function caseState(target: DemoTarget, c: DemoCase): Promise<{ state: DemoState; humanTouch: boolean; askedBy: string | null }> {
  const res = await fetch(`${target.workerUrl}/api/cases/${c.workflow}/${encodeURIComponent(`customer:${c.email}`)}`, { headers: { authorization: `Bearer ${target.apiToken}` } });
  if (res.status === 404) return { state: "in flight", humanTouch: false, askedBy: null };
  const view = (await res.json()) as { header: { status: string }; wait: { kind: string; stepId: string } | null; decisions: unknown[] };
  const { status } = view.header;
  const state: DemoState =
    status === "resolved" ? "resolved" : status === "failed" ? "failed" : status === "escalated" ? "escalated" : status === "waiting" ? (view.wait?.kind === "human" ? "awaiting approval" : view.wait?.kind === "event" && view.wait.stepId.includes(":reply") ? "asked customer" : "in flight") : "in flight";
  return { state, humanTouch: view.decisions.length > 0, askedBy: state === "asked customer" ? view.wait!.stepId : null };
}

/** The customer's answer to what their case asked them; false when the scenario has none. */
export async function answer(target: DemoTarget, c: DemoCase, askedBy: string): Promise<boolean> {
  const scenario = SCENARIOS.find((s) => s.workflow === c.workflow && s.kind === c.kind);
  if (!scenario?.answer) return false;
  await scenario.answer(target, c, askedBy);
  return true;
}
