/**
 * Demo traffic for the refund-dispute workflow: customers with real charges in the local Stripe simulator write
 * refund tickets through signed Zendesk webhooks, in a realistic mix of cases (duplicate charges refunded
 * autonomously, large ones held for approval, fraud reports and unclear requests handed to people, tickets without
 * a charge id answered by email with one), with some deliveries repeated the way senders retry. Used by
 * `npm run demo` and by `npm start`'s trickle.
 */
import { post, sign } from "./senders.ts";
import { SIMULATOR_KEYS } from "../simulators/keys.ts";

export interface DemoTarget {
  workerUrl: string;
  simulatorsUrl: string;
  apiToken: string;
  zendeskSecret: string;
  resendSecret: string;
}

/** The mix: weights sum to 100; `reply` is sent later for cases that ask the customer. */
export const SCENARIOS = [
  { kind: "duplicate", weight: 55, amount: () => 1_500 + rand(3_000), text: (ch: string) => `Hi, I was charged twice for my last order. The duplicate is ${ch}.` },
  { kind: "not-arrived", weight: 8, amount: () => 2_000 + rand(2_500), text: (ch: string) => `My order never arrived and I paid with ${ch}. Please refund.` },
  { kind: "large", weight: 10, amount: () => 6_000 + rand(3_500), text: (ch: string) => `You double charged me on ${ch}, I want my money back.` },
  { kind: "over-cap", weight: 4, amount: () => 15_000 + rand(10_000), text: (ch: string) => `Duplicate charge ${ch} on my annual plan.` },
  { kind: "fraud", weight: 7, amount: () => 1_000 + rand(4_000), text: (ch: string) => `I did not authorize ${ch}, my card was stolen.` },
  { kind: "unclear", weight: 6, amount: () => 2_000 + rand(2_000), text: (ch: string) => `I'm not happy with ${ch}, can you do something?` },
  { kind: "needs-details", weight: 10, amount: () => 1_500 + rand(2_500), text: () => "I was charged twice last week, please fix it." },
] as const;
export type ScenarioKind = (typeof SCENARIOS)[number]["kind"];

const rand = (n: number) => Math.floor(Math.random() * n);

function pick(): (typeof SCENARIOS)[number] {
  let r = rand(100);
  for (const s of SCENARIOS) {
    if ((r -= s.weight) < 0) return s;
  }
  return SCENARIOS[0];
}

export interface DemoCase {
  email: string;
  kind: ScenarioKind;
  charge: string;
}

async function seedCharge(target: DemoTarget, id: string, amount: number): Promise<void> {
  const res = await fetch(`${target.simulatorsUrl}/stripe/v1/charges`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ id, amount: String(amount), currency: "eur" }),
  });
  if (!res.ok) throw new Error(`seeding charge ${id}: ${res.status} ${await res.text()}`);
}

/** Opens one demo case; about one delivery in ten is sent twice, as a sender retrying would. */
export async function sendDemoCase(target: DemoTarget, run: string, n: number, scenario = pick()): Promise<DemoCase> {
  const email = `demo-${run}-${n}@example.com`;
  const charge = `ch_demo${run}${n}`;
  await seedCharge(target, charge, scenario.amount());
  const ticket = {
    id: `zd-demo-${run}-${n}`,
    type: "zen:event-type:ticket.created",
    time: new Date().toISOString(),
    detail: { id: `${n}`, subject: "Refund request", description: scenario.text(charge), tags: ["refund"], requester: { email } },
  };
  const request = await sign.zendesk(target.zendeskSecret, ticket);
  const res = await post(target.workerUrl, request);
  if (res.status !== 202) throw new Error(`ticket for ${email}: ${res.status} ${await res.text()}`);
  if (rand(10) === 0) await post(target.workerUrl, request); // a retried delivery: answered as a duplicate
  return { email, kind: scenario.kind, charge };
}

/** The customer's email reply carrying the charge id, for cases that asked for details. */
export async function replyWithDetails(target: DemoTarget, c: DemoCase): Promise<void> {
  const reply = { type: "email.received", created_at: new Date().toISOString(), data: { from: c.email, subject: "Re: Refund request", text: `Sorry! It is ${c.charge}, I was charged twice.` } };
  const res = await post(target.workerUrl, await sign.standardWebhooks("resend", target.resendSecret, reply));
  if (res.status !== 202) throw new Error(`reply from ${c.email}: ${res.status} ${await res.text()}`);
}

export type DemoState = "resolved" | "awaiting approval" | "escalated" | "asked customer" | "failed" | "in flight";

export async function caseState(target: DemoTarget, c: DemoCase): Promise<{ state: DemoState; outcome: string | null; humanTouch: boolean }> {
  const res = await fetch(`${target.workerUrl}/api/cases/refund-dispute/${encodeURIComponent(`customer:${c.email}`)}`, { headers: { authorization: `Bearer ${target.apiToken}` } });
  if (res.status === 404) return { state: "in flight", outcome: null, humanTouch: false };
  const view = (await res.json()) as { header: { status: string; outcome: string | null }; wait: { kind: string } | null; decisions: unknown[] };
  const { status, outcome } = view.header;
  const state: DemoState =
    status === "resolved" ? "resolved" : status === "failed" ? "failed" : status === "escalated" ? "escalated" : status === "waiting" ? (view.wait?.kind === "human" ? "awaiting approval" : "asked customer") : "in flight";
  return { state, outcome, humanTouch: view.decisions.length > 0 };
}
