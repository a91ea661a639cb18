/**
 * The deployed workflow versions by their headers only: what a human spends on a case, what a decision costs, the
 * routine steps, the systems, the SLA, the outcomes a person may close an escalation with. The dashboard and the scripts read this instead of the workflows themselves
 * (which pull in their connectors and the agent); each workflow's definition takes its header from here, so the
 * figures are written once. A test holds it equal to `WORKFLOWS`, version by version. The policies a workflow reads
 * as data are declared here too, so the dashboard checks an admin's edit against the schema the workflow reads with.
 */
import { z } from "zod";
import type { ValueMeasures } from "../../db/facts.ts";
import { type ExceptionWords, exceptionWordsOf } from "../../db/kpi/step-patterns.ts";
import type { PolicyDeclaration, WorkflowHeader } from "../engine/index.ts";

/** A version's header as the metrics read it: the figures of `WorkflowHeader`, without triggers or notifiers. */
export type CatalogueEntry = Pick<
  WorkflowHeader,
  | "id"
  | "version"
  | "minutesPerCase"
  | "minutesPerDecision"
  | "routineSteps"
  | "systems"
  | "sla"
  | "outcomes"
  | "policies"
> & {
  /** The workflow's business result, measured per case into the rollups and shown on its page (db/facts.ts). */
  value?: ValueMeasures;
  /**
   * The exceptions that are problems with the data a case arrived with (a wrong, unreadable or mismatched document;
   * a missing field): step id patterns, `*` for any run of characters, matched against the case's exception type
   * (its first step off the routine path). Readiness's "data quality" factor is the share of cases they account for.
   */
  inputProblems?: readonly string[];
  /**
   * What a manager calls each exception (step id patterns as above, the first match wins): the dashboard shows these
   * words where it lists exceptions, with the step id beside them for whoever reads the trail.
   */
  exceptionWords?: ExceptionWords;
};

/** The words for a case's exception type in workflow `id` (its newest version's declaration), or null. */
export function exceptionWords(id: string, type: string): string | null {
  return exceptionWordsOf(CATALOGUE.filter((e) => e.id === id).at(-1)?.exceptionWords, type);
}

/** A step failed until a person took it over (the connector's system did not answer, say). */
const STEP_FAILED = (what: string) => `${what} failed (a person took the step over)`;

const CRM_INTAKE_WORDS: ExceptionWords = [
  ["incomplete-deal", "Deal incomplete: handed to a person"],
  ["incomplete-opportunity", "Opportunity incomplete: handed to a person"],
  ["no-contact", "Deal without a contact"],
  ["no-account", "Opportunity without a person account"],
];

const PERSON_SLA = /^[1-9][0-9]{0,3}(m|h|d)$/;

/** refund-dispute's limits; amounts in cents (minor units) of the charge's currency. */
const refundLimitsSchema = () =>
  z
    .object({
      capMinor: z.number().int().min(100).max(10_000_000).describe("The most one refund may be, in cents"),
      approvalAboveMinor: z
        .number()
        .int()
        .min(0)
        .describe("Refunds above this (in cents) wait for a person's approval, unless the agent has earned more"),
      personSla: z
        .string()
        .regex(PERSON_SLA, 'a time such as "30m", "8h" or "2d"')
        .describe("How soon a person must act on a refund handed to them"),
    })
    .strict()
    .refine((v) => v.approvalAboveMinor <= v.capMinor, {
      path: ["approvalAboveMinor"],
      message: "the approval threshold cannot be above the cap",
    });
let refundLimits: ReturnType<typeof refundLimitsSchema> | undefined;
const builtRefundLimits = () => {
  refundLimits ??= refundLimitsSchema();
  return refundLimits;
};

/**
 * The schema, built on first use: the dashboard's pages import the catalogue in the browser, where building a zod
 * object probes whether `eval` is allowed (a CSP violation report on every page); only servers parse a policy.
 */
export const RefundLimits = {
  parse: (value: unknown) => builtRefundLimits().parse(value),
  /** Each field's schema with its description (what the dashboard explains the fields with). */
  get shape() {
    return builtRefundLimits().shape;
  },
};
export type RefundLimits = z.infer<ReturnType<typeof refundLimitsSchema>>;

/**
 * What the refund agent may do on one request. The defaults are the rules refund-dispute had as constants.
 * @example const { value } = await step.policy(REFUND_LIMITS); value.capMinor // → 10000 until an admin changes it
 */
export const REFUND_LIMITS: PolicyDeclaration<RefundLimits> = {
  name: "refund-limits",
  title: "Refund limits",
  description:
    "The most the agent may refund on one request, the amount above which a person approves first, and how soon a person must act on a refund handed to them.",
  schema: RefundLimits,
  defaults: { capMinor: 10_000, approvalAboveMinor: 5_000, personSla: "8h" },
};

/** A person looked and nothing needs doing: every workflow's escalations may end so. */
const NO_ACTION = { label: "no-action-needed", words: "No action needed" } as const;

const refundDispute = {
  id: "refund-dispute",
  minutesPerCase: 25,
  // Approving or deciding one refund the policy would not grant alone.
  minutesPerDecision: 8,
  systems: ["Zendesk", "Stripe", "Slack"],
  sla: "8h",
  // What a person closes a refund escalation with (the dashboard offers these; the case refuses any other).
  outcomes: [
    { label: "refunded-manually", words: "Refunded by hand" },
    { label: "partly-refunded-manually", words: "Partly refunded by hand" },
    { label: "denied", words: "Refund denied" },
    { label: "referred-to-fraud-team", words: "Sent to the fraud team" },
    NO_ACTION,
  ],
  policies: [REFUND_LIMITS],
  // The ticket named no charge the agent could find: the customer is asked for the charge id.
  inputProblems: ["details:*"],
  exceptionWords: [
    ["triage:escalate", "Handed to a person by the agent (fraud, unclear or unsure)"],
    ["triage:approve:*", "Refund over the approval threshold: a person approves"],
    ["triage-with-reply:escalate", "Handed to a person after the customer's reply"],
    ["triage-with-reply:approve:*", "Refund over the approval threshold: a person approves"],
    ["details:*", "No charge identified: the customer was asked for it"],
    ["no-reply", "No reply to our question"],
    ["still-unclear", "Still no charge after the customer's reply"],
    ["load-charge*", STEP_FAILED("Reading the charge from Stripe")],
    ["reply-on-ticket", STEP_FAILED("Replying on the ticket")],
  ],
  value: {
    // A request we settle with a refund leaves the customer no charge to dispute with their bank: each refunded case
    // (by the agent or by a person) counts as a dispute avoided. Denied requests and open cases do not.
    success: {
      outcomes: ["refunded", "refunded-manually", "partly-refunded-manually"],
      words: "Disputes avoided (requests settled by a refund)",
      rateWords: "Settled by a refund",
    },
    // The amount the agent's Stripe refund returned (a person's manual refund names no amount).
    money: { words: "Amount refunded", amountField: "refundedMinor", currencyField: "currency" },
  },
} as const;

/**
 * The plans' list prices per month, in cents of EUR (workers/workflows/customer-onboarding/plans.ts maps the same
 * plans to their Stripe prices): what a started subscription brings in each month.
 */
export const PLAN_MONTHLY_PRICES_MINOR: Readonly<Record<string, number>> = {
  "fiber-500": 3_990,
  "fiber-1000": 5_990,
  mobile: 1_990,
};

const customerOnboarding = {
  id: "customer-onboarding",
  minutesPerCase: 45,
  // A person's review of one exception (a screening hit, a declined card, a question the facts cannot answer).
  minutesPerDecision: 15,
  // Every EU applicant is asked for consent: part of the normal path, not an exception.
  routineSteps: ["consent"],
  // A document in the wrong format, unreadable, another person's or expired: asked again, referred or escalated
  // (not a read step's error, which is the deployment's fault, nor a customer's question).
  inputProblems: [
    "document-*-again:*",
    "document-*-referred",
    "document-*-still-*",
    "document-*-no-reply",
    "document-*-review:escalate",
  ],
  exceptionWords: [
    ["document-*-again:*", "Document refused: asked for again"],
    ["document-*-check-*", STEP_FAILED("The compliance document check")],
    ["document-*-read", STEP_FAILED("Reading the document")],
    ["document-*-referred", "Document referred to a person (expired or doubtful)"],
    ["document-*-still-*", "Document refused twice"],
    ["document-*-no-reply", "No reply to our request for the document"],
    ["document-*-review:escalate", "Document review handed to a person"],
    ["*-question-*", "A customer's question handed to a person"],
    ["payment-method:*", "Card declined: asked for another payment method"],
    ["card-declined", "No new payment method: handed to billing"],
    ["card-declined-again", "The new payment method was declined too"],
    ["unsupported-market", "A market we do not serve"],
    ["screening-hit", "Screening hit: compliance decides"],
    ["screening-review:*", "Ambiguous screening: handed to a person"],
    ["screening", STEP_FAILED("The screening")],
    ["no-consent", "No consent to process the data"],
    ["no-reply", "No reply to our question"],
    ["activation-timeout", "Service activation took too long"],
  ],
  systems: ["HubSpot CRM", "compliance screening", "Stripe billing", "provisioning", "email/SMS"],
  sla: "8h",
  outcomes: [
    { label: "onboarded-manually", words: "Onboarded by hand" },
    { label: "rejected", words: "Application rejected" },
    { label: "withdrawn", words: "The applicant withdrew" },
    { label: "referred-to-compliance", words: "Sent to compliance" },
    NO_ACTION,
  ],
  value: {
    success: { outcomes: ["onboarded", "onboarded-manually"], words: "Onboarded", rateWords: "Conversion" },
    // The customer never answered a question (a document, consent, a new card) before its deadline, and was not onboarded.
    dropOut: { words: "Drop-out (no answer to our question)" },
    timeToSuccess: { words: "Time to activation" },
    money: {
      words: "Monthly revenue of the subscriptions started",
      priceField: "plan",
      pricesMinor: PLAN_MONTHLY_PRICES_MINOR,
      currency: "EUR",
    },
  },
} as const;

export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: "github-issue-triage",
    version: 1,
    minutesPerCase: 4,
    systems: ["GitHub"],
    outcomes: [
      { label: "triaged-manually", words: "Triaged by hand" },
      { label: "closed", words: "Issue closed" },
      NO_ACTION,
    ],
  },
  {
    id: "payment-recovery",
    version: 1,
    minutesPerCase: 20,
    systems: ["Stripe", "Zendesk"],
    outcomes: [
      { label: "recovered-manually", words: "Payment collected by hand" },
      { label: "written-off", words: "Written off" },
      NO_ACTION,
    ],
    value: {
      success: {
        outcomes: ["recovered", "recovered-manually"],
        words: "Payments recovered",
        rateWords: "Recovery rate",
      },
      // The failed invoice's amount due, once it is paid (a payment collected by hand names no amount).
      money: { words: "Amount recovered", amountField: "amountDue", currencyField: "currency" },
    },
  },
  { ...refundDispute, version: 1 },
  { ...refundDispute, version: 2 },
  { ...customerOnboarding, version: 1 },
  { ...customerOnboarding, version: 2 },
  { ...customerOnboarding, version: 3 },
  { ...customerOnboarding, version: 4 },
  {
    id: "crm-deal-intake",
    version: 1,
    minutesPerCase: 5,
    systems: ["HubSpot CRM", "signup form"],
    sla: "8h",
    // A deal without its contact or without what an application needs.
    inputProblems: ["incomplete-*", "no-contact"],
    exceptionWords: CRM_INTAKE_WORDS,
    outcomes: [
      { label: "handed-to-onboarding-manually", words: "Handed to onboarding by hand" },
      { label: "disqualified", words: "Deal disqualified" },
      { label: "duplicate", words: "Duplicate of another deal" },
      NO_ACTION,
    ],
  },
  {
    id: "crm-deal-intake",
    version: 2,
    minutesPerCase: 5,
    systems: ["HubSpot CRM", "Salesforce", "signup form"],
    sla: "8h",
    // A deal or Opportunity without its customer or without what an application needs.
    inputProblems: ["incomplete-*", "no-contact", "no-account"],
    exceptionWords: CRM_INTAKE_WORDS,
    outcomes: [
      { label: "handed-to-onboarding-manually", words: "Handed to onboarding by hand" },
      { label: "disqualified", words: "Deal disqualified" },
      { label: "duplicate", words: "Duplicate of another deal" },
      NO_ACTION,
    ],
  },
];

/**
 * The outcomes a person may resolve an escalation of `id` at `version` with (the newest version's for one the
 * catalogue no longer lists), or null when the workflow declares none.
 * @example declaredOutcomes("refund-dispute", 2)?.map((o) => o.label) // → ["refunded-manually", ..., "no-action-needed"]
 */
export function declaredOutcomes(id: string, version: number): CatalogueEntry["outcomes"] | null {
  const entries = CATALOGUE.filter((e) => e.id === id);
  const entry = entries.find((e) => e.version === version) ?? entries.at(-1);
  return entry?.outcomes ?? null;
}

/**
 * The policies workflow `id` declares (its newest version's), or an empty list.
 * @example declaredPolicies("refund-dispute").map((p) => p.name) // → ["refund-limits"]
 */
export function declaredPolicies(id: string): readonly PolicyDeclaration[] {
  return CATALOGUE.filter((e) => e.id === id).at(-1)?.policies ?? [];
}

/**
 * The header of workflow `id` at `version`, for its definition to spread; throws when the catalogue lacks it.
 * @example defineWorkflow({ ...catalogued("payment-recovery", 1), triggers }, body)
 */
export function catalogued(id: string, version: number): CatalogueEntry {
  const entry = CATALOGUE.find((e) => e.id === id && e.version === version);
  if (!entry) throw new TypeError(`workflow ${id} v${version} is not in workers/workflows/catalogue.ts`);
  return entry;
}
