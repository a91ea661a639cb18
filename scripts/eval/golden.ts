/**
 * The golden-case format of `npm run eval` (evals/<workflow>.json): the event that opens a case, what the simulators
 * hold first, the customer's later messages, and the right answer. Documents are described, not pasted: a
 * `{ "$passportPdf": { … } }` value anywhere in an event becomes that passport as a real text PDF (base64), made
 * with the demo's PDF maker when the case runs.
 */
import { type PassportPdf, passportPdf } from "../demo-traffic/documents.ts";

/** An event as a sender delivers it; routed to the workflow exactly as the ingest routes a webhook. */
export interface GoldenEvent {
  source: string;
  type: string;
  payload: unknown;
}

export interface GoldenCase {
  name: string;
  event: GoldenEvent;
  seed?: { stripeCharges?: { id: string; amount: number; currency?: string; refunded?: number }[] };
  /** The customer's messages, in order; each is sent once the case waits for a message from its source. */
  turns?: GoldenEvent[];
  expect: {
    /** The judged agent steps' last decision (`escalate` when the agent handed the case to a person). */
    decision: string;
    /** Every judged decision in order, when the case has several (a document asked about, then accepted). */
    decisions?: string[];
    /** How the case should end up: `resolved`, `escalated`, `waiting`… (its status once nothing more happens). */
    status?: string;
    /** refund-dispute: whether any refund is right, and at most how much (minor units). */
    refund?: boolean;
    maxRefund?: number;
    /** The language each of the agent's answers must be written in, in order (ISO 639-1). */
    languages?: string[];
    /** customer-onboarding: whether the applicant may be billed and activated. */
    onboard?: boolean;
  };
}

export interface GoldenFile {
  workflow: string;
  /** The agent steps whose decisions are judged: ids, or id patterns with `*` for a number (`document-*-review`). */
  agentSteps: string[];
  /** Which of them answer the customer's messages (for the conversation figures), in the same pattern form. */
  conversationSteps?: string[];
  /** How a person's resolution label maps to the decision the agent should have made (for exported labels). */
  labels?: Record<string, string>;
  cases: GoldenCase[];
}

/** Whether step `id` is one of the judged agent steps (`*` stands for any run of characters without a colon). */
export function isJudged(agentSteps: readonly string[], id: string): boolean {
  return agentSteps.some((pattern) => new RegExp(`^${pattern.split("*").map(escapeRegExp).join("[^:]*")}$`).test(id));
}
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The event with every `{ "$passportPdf": … }` replaced by that document's base64 PDF.
 * @example const payload = await materialize({ content: { $passportPdf: { name: "Ada Byron", birthDate: "1990-12-10" } } });
 */
export async function materialize(value: unknown): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map(materialize));
  if (typeof value !== "object" || value === null) return value;
  const spec = (value as { $passportPdf?: PassportPdf }).$passportPdf;
  if (spec) return (await passportPdf(spec)).base64;
  const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await materialize(v)] as const));
  return Object.fromEntries(entries);
}
