/**
 * The demo's scenarios, in their realistic mix (weights in percent within each workflow): refund tickets opened in the
 * Zendesk simulator over charges seeded in the Stripe simulator, and signup-form applications; each says how its
 * customer answers and whether an operator approves in Slack.
 */
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { deliver as deliverWithRetries, post, type SignedRequest, sign } from "../senders.ts";
import { type PassportPdf, passportPdf } from "./documents.ts";
import { approveInSlack, email, textBack } from "./people.ts";
import type { DemoTarget, Scenario } from "./types.ts";

/** A random integer below `n`: picks scenarios and amounts, and the one delivery in ten sent twice. */
export const rand = (n: number) => Math.floor(Math.random() * n);

/** Sends as a real sender does: a 5xx, a 429 or a dropped connection is tried again (senders.ts `deliver`). */
async function deliver(target: DemoTarget, request: SignedRequest, what: string): Promise<void> {
  const res = await deliverWithRetries(target.workerUrl, request);
  if (res.status !== 202) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  if (rand(10) === 0) await post(target.workerUrl, request); // a retried delivery: answered as a duplicate
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
const DEMO_APPLICANT = { name: "Alex Demo", birthDate: "1988-03-14" };

/** An upload carrying a real small passport PDF (pdf-lib), declared as the applicant picked it. */
async function passportUpload(
  declared: { type: string; fileName: string; contentType: string },
  pdf: Partial<PassportPdf> = {},
): Promise<Record<string, unknown>> {
  const { base64, size } = await passportPdf({ ...DEMO_APPLICANT, birthDate: "14.03.1988", ...pdf });
  return { documents: [{ ...declared, sizeBytes: size, content: base64 }] };
}
const PDF_UPLOAD = { type: "passport", fileName: "passport.pdf", contentType: "application/pdf" };

function application(
  kind: string,
  weight: number,
  overrides: Record<string, unknown> | (() => Promise<Record<string, unknown>>),
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
        ...DEMO_APPLICANT,
        country: "DE",
        plan: "fiber-500",
        paymentMethod: "pm_card_visa",
        consent: true,
        documents: [passport],
        ...contact,
        ...(typeof overrides === "function" ? await overrides() : overrides),
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
    50,
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
  // The policy is silent on damaged goods: the agent proposes the refund unsure, and a person may carry it out.
  ticket(
    "damaged",
    5,
    () => 2_000 + rand(5_000),
    (ch) => `The vase I paid for with ${ch} arrived broken. Can I get my money back?`,
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
  application("happy", 40, {}),
  // Documents read (issue 20): real small PDFs the onboarding reads. Most match, some in another form than asked
  // (a two-page scan uploaded as an ID card of unknown type); some expired; some another person's (asked about: the
  // applicant then sends their own).
  application("passport-read", 6, () => passportUpload(PDF_UPLOAD)),
  application("passport-read-other-form", 4, () =>
    passportUpload({ type: "id-card", fileName: "scan0001", contentType: "application/octet-stream" }, { pages: 2 }),
  ),
  application("passport-expired", 2, () => passportUpload(PDF_UPLOAD, { expiry: "2024-11-30" })),
  application("passport-other-name", 3, () => passportUpload(PDF_UPLOAD, { name: "Alexandra Demo" }), {
    answer: async (target, c) => {
      const own = await passportPdf({ ...DEMO_APPLICANT });
      await email(target, c, "Sorry, that was my sister's. Here is mine.", [
        { filename: "passport.pdf", content_type: "application/pdf", size: own.size, content: own.base64 },
      ]);
    },
  }),
  application("happy-by-sms", 5, {}, { sms: true }),
  // Customers who write back with a question before sending the document (issue 20): answered from the knowledge
  // base in their language while the ask keeps waiting, then the document comes; or who want a person.
  application(
    "question-then-document",
    5,
    { documents: [{ ...passport, fileName: "passport.heic", contentType: "image/heic" }] },
    {
      answer: async (target, c) => {
        await email(target, c, "Wie lange dauert die Anmeldung, und wo werden meine Daten gespeichert?");
        await new Promise((r) => setTimeout(r, 1_500));
        await email(target, c, "Hier ist mein Reisepass als PDF.", [
          { filename: "passport.pdf", content_type: "application/pdf", size: 180_000 },
        ]);
      },
    },
  ),
  application(
    "asks-for-a-person",
    2,
    { documents: [{ ...passport, fileName: "passport.heic", contentType: "image/heic" }] },
    {
      answer: (target, c) => email(target, c, "Je voudrais parler à une personne, s'il vous plaît."),
    },
  ),
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
