/**
 * What happens in the history's cases, per workflow, in a realistic mix (weights in percent within each workflow):
 * the opening event a real system would send, then what customers and people do and when. Everything else (the
 * agent's triage, refunds, questions, escalations, SLAs) is the real workflow's doing, run by the case runtime.
 * People work office hours (08:00–18:00 UTC on weekdays): a task handed over in the evening is decided the next
 * working morning, so some SLAs pass, as they do on a real team.
 */
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import type { HumanActor, WorkflowDefinition } from "../../workers/engine/index.ts";
import { type DriverOptions, HistoryCase } from "./case-driver.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The history's world: the in-process simulators, the workflow version in force, a seeded random source. */
export interface HistoryWorld {
  driver: DriverOptions;
  /** The simulators' fetch (the same app the connectors reach). */
  simulators: typeof fetch;
  /**
   * Applications handed to the onboarding form's door (crm-deal-intake's last step): the history routes each to a
   * customer-onboarding case of its own, as the worker's door would.
   */
  submitted: { application: Record<string, unknown>; at: number | null }[];
  /** The activations the provisioning simulator accepted (their `service.activated` webhook is the history's to send). */
  activations: readonly { id: string; customer: { email: string } }[];
  /** The version of `workflowId` that opened new cases at `at` (versions change mid-month). */
  version(workflowId: string, at: number): WorkflowDefinition;
  random: () => number;
  /** The moment the history ends (now): nothing happens after it. */
  end: number;
}

export interface HistoryScenario {
  workflow: string;
  kind: string;
  weight: number;
  /** Only for cases opened at least this long before the end (their waits would otherwise reach past now). */
  minAge?: number;
  play(world: HistoryWorld, n: number, at: number): Promise<HistoryCase>;
}

const between = (w: HistoryWorld, lo: number, hi: number) => lo + Math.floor(w.random() * (hi - lo));

/** When a person at work decides on a task handed over at `t`: soon in office hours, else the next working morning. */
export function officeDecision(w: HistoryWorld, t: number): number {
  const d = new Date(t);
  const hour = d.getUTCHours() + d.getUTCMinutes() / 60;
  const weekday = d.getUTCDay() >= 1 && d.getUTCDay() <= 5;
  if (weekday && hour >= 8 && hour < 18) return t + between(w, 8 * MINUTE, 150 * MINUTE);
  const next = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + (hour >= 8 ? 1 : 0), 8));
  while (next.getUTCDay() === 0 || next.getUTCDay() === 6) next.setUTCDate(next.getUTCDate() + 1);
  return next.getTime() + between(w, 10 * MINUTE, 120 * MINUTE);
}

const PEOPLE: readonly HumanActor[] = [
  { id: "ops-ana", roles: ["operator"] },
  { id: "ops-jonas", roles: ["operator"] },
  { id: "ops-mei", roles: ["operator"] },
  { id: "lead-sam", roles: ["operator", "admin"] },
];
const person = (w: HistoryWorld) => PEOPLE[between(w, 0, PEOPLE.length)]!;

/** Runs the case's clock on (its retries and their backoff) until it hands itself to a person, at most a day. */
async function untilHandedOver(c: HistoryCase): Promise<void> {
  const head = await c.head();
  const from = head?.updatedAt ?? 0;
  for (let at = from; at <= from + DAY; at += 10 * MINUTE) {
    await c.runUntil(at);
    if ((await c.head())?.wait?.kind === "human") return;
  }
}

/** The person decides the case's task (an approval or an escalation) during office hours. */
async function personDecides(
  w: HistoryWorld,
  c: HistoryCase,
  how: { approve?: boolean; retry?: boolean; outcome?: string; note?: string },
): Promise<void> {
  const head = await c.head();
  const task = head?.wait?.kind === "human" ? head.wait.human : undefined;
  if (!task) return;
  const at = Math.min(officeDecision(w, head!.updatedAt), w.end - MINUTE);
  const minutesSpent = between(w, 3, task.kind === "approval" ? 10 : 25);
  const approvers = task.kind === "approval" ? task.approvals : 1;
  const chosen = new Set<string>();
  for (let i = 0; i < approvers; i++) {
    let actor = person(w);
    while (chosen.has(actor.id) || actor.id === task.requestedBy) actor = PEOPLE[(PEOPLE.indexOf(actor) + 1) % 4]!;
    chosen.add(actor.id);
    const decision = task.allowed.includes("approve")
      ? how.approve === false
        ? "reject"
        : "approve"
      : how.retry && task.allowed.includes("retry")
        ? "retry"
        : "resolve";
    const accepted = await c.decide(at + i * 7 * MINUTE, decision, actor, {
      ...(decision === "resolve" ? { outcome: how.outcome ?? "no-action-needed" } : {}),
      note: how.note ?? (decision === "reject" ? "not covered by our policy" : "checked and done"),
      minutesSpent,
    });
    // A refused decision would leave the case waiting on a person forever: the history must change with the workflow.
    if (!accepted) throw new Error(`history case ${c.caseKey}: ${actor.id}'s ${decision} on ${task.queue} was refused`);
  }
}

// refund-dispute

async function seedCharge(w: HistoryWorld, id: string, amount: number): Promise<void> {
  const res = await w.simulators("http://simulators.local/stripe/v1/charges", {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ id, amount: String(amount), currency: "eur" }),
  });
  if (!res.ok) throw new Error(`seeding charge ${id}: ${res.status} ${await res.text()}`);
}

const ticketEvent = (n: number, email: string, text: string, at: number) => ({
  source: "zendesk",
  type: "ticket.created",
  payload: {
    type: "zen:event-type:ticket.created",
    id: `history-ticket-${n}`,
    time: new Date(at).toISOString(),
    detail: {
      id: String(900_000 + n),
      subject: "Refund request",
      description: text,
      tags: ["refund"],
      status: "new",
      requester: { email },
    },
  },
});

/** The customer's email as Resend reports it, sent at `at`. */
const emailReply = (from: string, text: string, at: number, attachments: unknown[] = []) => ({
  source: "resend",
  type: "email.received",
  payload: {
    type: "email.received",
    created_at: new Date(at).toISOString(),
    data: { from, subject: "Re: your request", text, attachments },
  },
});

function refund(
  kind: string,
  weight: number,
  amount: [number, number],
  text: (charge: string) => string,
  then?: (w: HistoryWorld, c: HistoryCase, email: string, charge: string) => Promise<void>,
  minAge?: number,
  /** What happens in the world just before the ticket arrives (an outage). */
  before?: (w: HistoryWorld) => Promise<void>,
): HistoryScenario {
  return {
    workflow: "refund-dispute",
    kind,
    weight,
    minAge,
    async play(w, n, at) {
      const email = `customer${n}@history.example`;
      const charge = `ch_history${n}`;
      await seedCharge(w, charge, between(w, amount[0], amount[1]));
      await before?.(w);
      const c = await HistoryCase.open(
        w.driver,
        w.version("refund-dispute", at),
        ticketEvent(n, email, text(charge), at),
        at,
      );
      if (then) await then(w, c, email, charge);
      else await personDecides(w, c, { outcome: "refunded-manually" });
      return c;
    },
  };
}

// customer-onboarding

const PASSPORT = { type: "passport", fileName: "passport.pdf", contentType: "application/pdf", sizeBytes: 240_000 };
const NAMES = ["Lena Fischer", "Tom Becker", "Sofia Rossi", "Jan Novak", "Emma Laurent", "Noah Weber", "Mia Schulz"];

function application(
  kind: string,
  weight: number,
  overrides: Record<string, unknown>,
  then: (w: HistoryWorld, c: HistoryCase, email: string) => Promise<void>,
  /** What happens in the world just before the application arrives (an outage). */
  before?: (w: HistoryWorld) => Promise<void>,
): HistoryScenario {
  return {
    workflow: "customer-onboarding",
    kind,
    weight,
    async play(w, n, at) {
      const email = `applicant${n}@history.example`;
      const app = {
        email,
        name: NAMES[n % NAMES.length],
        birthDate: "1988-03-14",
        country: "DE",
        plan: "fiber-500",
        paymentMethod: "pm_card_visa",
        consent: true,
        documents: [PASSPORT],
        ...overrides,
      };
      const opener = {
        source: "onboarding-form",
        type: "application.submitted",
        payload: { event: "application.submitted", application: app },
      };
      await before?.(w);
      const c = await HistoryCase.open(w.driver, w.version("customer-onboarding", at), opener, at);
      await then(w, c, email);
      return c;
    },
  };
}

/** Provisioning confirms the activation a few minutes after it was asked for, with its signed webhook's event. */
async function activated(w: HistoryWorld, c: HistoryCase, email: string): Promise<void> {
  const head = await c.head();
  if (head?.wait?.stepId !== "service-activated") return personDecides(w, c, { outcome: "onboarded-manually" });
  const activation = [...w.activations].reverse().find((a) => a.customer.email === email);
  await c.deliver(head.updatedAt + between(w, 40_000, 12 * MINUTE), {
    source: "provisioning",
    type: "service.activated",
    payload: { event: "service.activated", activation: { ...activation, status: "active" } },
  });
}

/** The customer answers the case's question by email some hours later, then the case goes on to activation. */
const answers =
  (text: string, attachments: unknown[] = []) =>
  async (w: HistoryWorld, c: HistoryCase, email: string) => {
    const head = await c.head();
    if (head?.wait?.kind === "event") {
      const at = head.updatedAt + between(w, 20 * MINUTE, 14 * HOUR);
      await c.deliver(at, emailReply(email, text, at, attachments));
    }
    await activated(w, c, email);
  };

// crm-deal-intake

const hubspot = (w: HistoryWorld, path: string, body: unknown) =>
  w.simulators(`http://simulators.local/hubspot${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.hubspot}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

/**
 * A salesperson moves a deal to the onboarding stage in HubSpot: the workflow reads the deal and its contact and
 * hands the application to the onboarding form; the onboarding case it opens is played like any application. A deal
 * without its documents goes to a person, who completes it by hand.
 */
function deal(kind: string, weight: number, complete: boolean): HistoryScenario {
  return {
    workflow: "crm-deal-intake",
    kind,
    weight,
    async play(w, n, at) {
      const email = `lead${n}@history.example`;
      const contact = (await (
        await hubspot(w, "/crm/v3/objects/contacts/batch/upsert", {
          inputs: [
            {
              id: email,
              idProperty: "email",
              properties: {
                firstname: NAMES[n % NAMES.length]!.split(" ")[0],
                lastname: NAMES[n % NAMES.length]!.split(" ")[1],
                date_of_birth: "1985-06-02",
                country: "de",
                data_processing_consent: "true",
              },
            },
          ],
        })
      ).json()) as { results: { id: string }[] };
      const created = (await (
        await hubspot(w, "/crm/v3/objects/deals", {
          properties: {
            dealname: `Fiber for ${email}`,
            plan: "fiber-500",
            payment_method: "pm_card_visa",
            ...(complete ? { documents: JSON.stringify([PASSPORT]) } : {}),
          },
          associations: [{ to: { id: contact.results[0]!.id } }],
        })
      ).json()) as { id: string };
      const opener = {
        source: "hubspot",
        type: "deal.propertyChange",
        payload: {
          eventId: 7_000_000 + n,
          portalId: 4_200_001,
          occurredAt: at,
          subscriptionType: "deal.propertyChange",
          objectId: Number(created.id),
          propertyName: "dealstage",
          propertyValue: "onboarding",
        },
      };
      const c = await HistoryCase.open(w.driver, w.version("crm-deal-intake", at), opener, at);
      if (!complete) await personDecides(w, c, { outcome: "handed-to-onboarding-manually" });
      return c;
    },
  };
}

/** The onboarding cases the deals handed over, opened when the form's door took them, and played to activation. */
export async function onboardingFromDeals(w: HistoryWorld, n: () => number): Promise<HistoryCase[]> {
  const opened: HistoryCase[] = [];
  for (const { application, at } of w.submitted.splice(0)) {
    if (at === null) continue;
    const opener = {
      source: "onboarding-form",
      type: "application.submitted",
      payload: { event: "application.submitted", application },
    };
    n();
    const c = await HistoryCase.open(w.driver, w.version("customer-onboarding", at), opener, at);
    await activated(w, c, String(application.email));
    opened.push(c);
  }
  return opened;
}

// payment-recovery and github-issue-triage

function invoiceFailed(
  kind: string,
  weight: number,
  path: { contactAfter: [number, number] | null; paidAfter: [number, number] | null },
  minAge?: number,
): HistoryScenario {
  return {
    workflow: "payment-recovery",
    kind,
    weight,
    minAge,
    async play(w, n, at) {
      const email = `subscriber${n}@history.example`;
      const invoice = { id: `in_history${n}`, customer: `cus_history${n}`, customer_email: email, currency: "eur" };
      const stripe = (type: string, extra: object) => ({
        source: "stripe",
        type,
        payload: { id: `evt_history${n}_${type}`, type, data: { object: { ...invoice, ...extra } } },
      });
      const opener = stripe("invoice.payment_failed", { amount_due: between(w, 19, 99) * 100, attempt_count: 1 });
      const c = await HistoryCase.open(w.driver, w.version("payment-recovery", at), opener, at);
      if (path.contactAfter) {
        const contact = at + between(w, ...path.contactAfter);
        await c.deliver(contact, emailReply(email, "My card expired, I have updated it now.", contact));
      }
      if (path.paidAfter)
        await c.deliver(at + between(w, ...path.paidAfter), stripe("invoice.paid", { amount_paid: 1 }));
      // What no one answered runs to its deadlines (all before now: `minAge`).
      await c.runUntil(Math.min(at + 11 * DAY, w.end - MINUTE));
      return c;
    },
  };
}

const ISSUES = [
  ["App crashes on start after the update", "The stack trace shows an exception in the loader."],
  ["Add support for SAML login", "It would be nice to sign in with our IdP."],
  ["How do I export the audit trail?", "I could not find it in the docs?"],
  ["Possible XSS in the case notes", "A security issue: a note renders HTML."],
  ["Typo on the settings page", "'Recieve' should be 'Receive'."],
] as const;

const githubIssue: HistoryScenario = {
  workflow: "github-issue-triage",
  kind: "issue",
  weight: 100,
  async play(w, n, at) {
    const [title, body] = ISSUES[n % ISSUES.length]!;
    const opener = {
      source: "github",
      type: "issues.opened",
      payload: {
        action: "opened",
        issue: { number: 1000 + n, title, body, labels: [] },
        repository: { full_name: "acme/storefront" },
      },
    };
    return HistoryCase.open(w.driver, w.version("github-issue-triage", at), opener, at);
  },
};

export const HISTORY_SCENARIOS: readonly HistoryScenario[] = [
  refund("duplicate", 55, [1_500, 4_500], (ch) => `Hi, I was charged twice for my last order. The duplicate is ${ch}.`),
  refund("not-arrived", 8, [2_000, 4_500], (ch) => `My order never arrived and I paid with ${ch}. Please refund.`),
  refund(
    "large-approved",
    8,
    [6_000, 9_500],
    (ch) => `You charged me twice on ${ch}, please refund one.`,
    (w, c) => personDecides(w, c, { approve: true }),
  ),
  refund(
    "large-rejected",
    2,
    [6_000, 9_500],
    (ch) => `You double charged me on ${ch}, I want my money back.`,
    (w, c) => personDecides(w, c, { approve: false }),
  ),
  refund("over-cap", 4, [15_000, 25_000], (ch) => `Duplicate charge ${ch} on my annual plan.`),
  refund(
    "fraud",
    7,
    [1_000, 5_000],
    (ch) => `I did not authorize ${ch}, my card was stolen.`,
    (w, c) => personDecides(w, c, { outcome: "referred-to-fraud-team" }),
  ),
  refund(
    "stripe-outage",
    3,
    [1_500, 4_500],
    (ch) => `Hi, I was charged twice for my last order. The duplicate is ${ch}.`,
    async (w, c) => {
      // Stripe answered 503 through every retry (the outage was queued before the ticket): the step's failure is
      // handed to a person, who retries it once Stripe is back, and the refund goes through.
      await untilHandedOver(c);
      await w.simulators("http://simulators.local/stripe/_sim/faults", { method: "DELETE" });
      await personDecides(w, c, { retry: true, note: "Stripe was down; retried once it was back" });
    },
    undefined,
    async (w) => {
      await w.simulators("http://simulators.local/stripe/_sim/faults", {
        method: "POST",
        body: JSON.stringify({ status: 503, times: 20 }),
      });
    },
  ),
  refund("unclear", 6, [2_000, 4_000], (ch) => `I'm not happy with ${ch}, can you do something?`),
  refund(
    "needs-details",
    8,
    [1_500, 4_000],
    () => "I was charged twice last week, please fix it.",
    async (w, c, email, charge) => {
      const reply = (await c.head())!.updatedAt + between(w, 30 * MINUTE, 20 * HOUR);
      await c.deliver(reply, emailReply(email, `Sorry! It is ${charge}, I was charged twice.`, reply));
      await personDecides(w, c, { outcome: "refunded-manually" });
    },
  ),
  refund(
    "no-reply",
    2,
    [1_500, 4_000],
    () => "Refund please, you took my money twice.",
    async (w, c) => {
      await c.runUntil((await c.head())!.updatedAt + 49 * HOUR);
      await personDecides(w, c, { outcome: "denied" });
    },
    3 * DAY,
  ),
  application("happy", 58, {}, activated),
  application("ambiguous-screening", 10, { name: "Carlos Gomez" }, activated),
  application("sanctions-hit", 5, { name: "Ivan Petrov", birthDate: "1961-04-12" }, (w, c) =>
    personDecides(w, c, { outcome: "referred-to-compliance" }),
  ),
  application(
    "card-declined",
    10,
    { paymentMethod: "pm_card_chargeDeclined" },
    answers("Please use pm_card_mastercard instead."),
  ),
  application("unsupported-market", 5, { country: "BR" }, (w, c) => personDecides(w, c, { outcome: "rejected" })),
  application(
    "wrong-document",
    7,
    { documents: [{ ...PASSPORT, fileName: "passport.heic", contentType: "image/heic" }] },
    answers("Here it is as a PDF.", [{ filename: "passport.pdf", content_type: "application/pdf", size: 180_000 }]),
  ),
  application(
    "screening-outage",
    2,
    {},
    async (w, c, email) => {
      // The screening service answered 503 through every retry: a person retries the step once it is back.
      await untilHandedOver(c);
      await w.simulators("http://simulators.local/compliance/_sim/faults", { method: "DELETE" });
      await personDecides(w, c, { retry: true, note: "screening was down; retried once it was back" });
      await activated(w, c, email);
    },
    async (w) => {
      await w.simulators("http://simulators.local/compliance/_sim/faults", {
        method: "POST",
        body: JSON.stringify({ status: 503, times: 20 }),
      });
    },
  ),
  application("activation-late", 5, {}, async (w, c) => {
    // Provisioning never confirms: after an hour the case hands itself to the provisioning queue.
    await c.runUntil((await c.head())!.updatedAt + 61 * MINUTE);
    await personDecides(w, c, { outcome: "onboarded-manually" });
  }),
  invoiceFailed(
    "recovered-after-contact",
    60,
    { contactAfter: [2 * HOUR, 30 * HOUR], paidAfter: [32 * HOUR, 60 * HOUR] },
    3 * DAY,
  ),
  // Paid without a word: the case waits out its 3 days for contact, then finds the payment.
  invoiceFailed("recovered-silently", 25, { contactAfter: null, paidAfter: [6 * HOUR, 40 * HOUR] }, 4 * DAY),
  invoiceFailed("unrecovered", 15, { contactAfter: null, paidAfter: null }, 11 * DAY),
  githubIssue,
  deal("complete", 85, true),
  deal("missing-documents", 15, false),
];
