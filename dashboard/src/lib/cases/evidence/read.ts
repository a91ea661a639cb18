/**
 * A context packet's evidence read for people: money with its currency, times as dates, the customer's own words,
 * a screening hit beside the applicant, the model's rationale and the guardrails' verdicts, proposed tool calls in
 * words. Pure functions over the packet (the components only lay them out); anything not recognised stays a
 * readable key/value list, and the raw JSON is one toggle away.
 */
import { when } from "../format.ts";

/** One locale for server and browser alike (a page rendered on one and hydrated on the other must agree). */
const LOCALE = "en-US";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isCurrency = (v: unknown): v is string => typeof v === "string" && /^[A-Za-z]{3}$/.test(v);

/**
 * An amount in minor units (Stripe's cents) as people read it, in its currency: zero-decimal currencies (JPY) are
 * not divided.
 * @example money(22160, "eur") // "€221.60"
 */
export function money(minor: number, currency: string): string {
  const format = new Intl.NumberFormat(LOCALE, { style: "currency", currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

/** Keys that hold an amount in minor units when their object names a currency (Stripe: charges, refunds, invoices). */
const AMOUNT_KEY = /^(amount|amount_[a-z_]+|total|subtotal|balance|unit_amount)$/;

/** The object's amounts formatted in its currency (`{ amount: "€221.60", amount_refunded: "€0.00" }`), if it has one. */
export function amountsOf(value: unknown): Record<string, string> {
  if (!isObject(value) || !isCurrency(value.currency)) return {};
  const currency = value.currency;
  return Object.fromEntries(
    Object.entries(value)
      .filter((e): e is [string, number] => AMOUNT_KEY.test(e[0]) && typeof e[1] === "number" && Number.isFinite(e[1]))
      .map(([k, n]) => [k, money(n, currency)]),
  );
}

/** Keys whose numbers are instants (epoch milliseconds), e.g. `finishedAt`, `deadline`, `created`. */
const TIME_KEY = /(At|_at|^at|[Dd]eadline|[Ss]ince|[Uu]ntil|^created|^updated|[Tt]ime)$/;

/**
 * A leaf value in words: instants as UTC dates (epoch seconds too, as Stripe sends them), booleans as yes/no.
 * @example leafText("finishedAt", 1764605992000) // "2025-12-01 16:19:52 UTC"
 */
export function leafText(key: string, value: unknown): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number" && TIME_KEY.test(key)) {
    if (value > 1e12 && value < 1e13) return when(value);
    if (value > 1e9 && value < 1e10) return when(value * 1000);
  }
  if (typeof value === "string" || typeof value === "number") return String(value);
  return JSON.stringify(value);
}

/** `amount_refunded` → `amount refunded`, `birthDate` → `birth date`. */
export function label(key: string): string {
  return key
    .replace(/[_-]+/g, " ")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .trim();
}

/** One row of a key/value list: a text, or nested rows for an object or a list. */
export type Row = { key: string; label: string; text: string } | { key: string; label: string; rows: Row[] };

/**
 * Any value as rows people can read: amounts in their currency, instants as dates, nested objects as nested lists
 * (`depth` levels; deeper ones as compact JSON). An array of primitives is one comma-separated text.
 * @example rows({ charge: { id: "ch_1", amount: 22160, currency: "eur" } })
 */
export function rows(value: unknown, depth = 5): Row[] {
  if (!isObject(value) && !Array.isArray(value)) return [{ key: "value", label: "value", text: leafText("", value) }];
  const amounts = amountsOf(value);
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [String(i + 1), v])
    : Object.entries(value).filter(([k, v]) => v !== undefined && !(k === "currency" && Object.keys(amounts).length));
  return entries.map(([key, v]): Row => {
    const name = Array.isArray(value) ? `#${key}` : label(key);
    if (amounts[key]) return { key, label: name, text: amounts[key] };
    if (Array.isArray(v) && v.every((x) => !isObject(x) && !Array.isArray(x)))
      return { key, label: name, text: v.length === 0 ? "none" : v.map((x) => leafText(key, x)).join(", ") };
    if ((isObject(v) || Array.isArray(v)) && depth > 1) return { key, label: name, rows: rows(v, depth - 1) };
    return { key, label: name, text: leafText(key, v) };
  });
}

/** A proposed tool call. */
export interface ToolCall {
  tool: string;
  input: unknown;
}

/**
 * The calls in a packet's `proposedAction` (`refund {"charge":"ch_1","amount":22160,"currency":"eur"}; reply {…}`);
 * a proposal that is not a call (a decision such as `deny`) is a call with no input.
 */
export function proposedCalls(proposed: string | undefined): ToolCall[] {
  if (!proposed) return [];
  const calls: ToolCall[] = [];
  // `tool {json}` parts, separated by `; ` (a `;` inside the JSON is skipped because each part must parse).
  const pattern = /([A-Za-z][\w.-]*)\s*(\{.*?\})(?=\s*;\s*[A-Za-z][\w.-]*\s*\{|\s*$)/gs;
  for (const m of proposed.matchAll(pattern)) {
    try {
      calls.push({ tool: m[1]!, input: JSON.parse(m[2]!) });
    } catch {
      return [{ tool: proposed, input: null }]; // not the shape the agent writes: shown as the text it is
    }
  }
  return calls.length > 0 ? calls : [{ tool: proposed, input: null }];
}

/**
 * A tool call in words: `refund €221.60 on ch_3N…`; other calls name their inputs (`lookupCharge charge: ch_1`).
 * @example callText({ tool: "refund", input: { charge: "ch_1", amount: 22160, currency: "eur" } }) // "refund €221.60 on ch_1"
 */
export function callText(call: ToolCall): string {
  const input = call.input;
  if (!isObject(input))
    return call.input === null || call.input === undefined ? call.tool : `${call.tool} ${leafText("", input)}`;
  const amounts = amountsOf(input);
  const target = [input.charge, input.invoice, input.payment_intent, input.customer].find((v) => typeof v === "string");
  const rest = Object.entries(input).filter(
    ([k, v]) => !amounts[k] && k !== "currency" && v !== target && v !== undefined && v !== null,
  );
  return [
    call.tool,
    ...Object.values(amounts),
    ...(typeof target === "string" ? [`on ${target}`] : []),
    ...rest.map(([k, v]) => `${label(k)}: ${leafText(k, v)}`),
  ].join(" ");
}

/** What the customer (or a third party) wrote, as the model was given it. */
export interface Quote {
  label: string;
  /** Null where the packet kept only the label (cases escalated before the text was kept). */
  text: string | null;
}

/** A guardrail's verdict on one tool call. */
export interface Verdict {
  tool: string;
  verdict: string;
  reason: string | null;
  call: string;
}

/** One side of a screening comparison. */
export interface Person {
  name: string;
  birthDate: string;
  country: string;
  score: string;
  list: string;
  match: boolean;
}

/** A packet's evidence split into what is recognised and the rest. */
export interface ReadEvidence {
  quotes: Quote[];
  rationale: string | null;
  confidence: number | null;
  model: string | null;
  verdicts: Verdict[];
  screening: { applicant: Person | null; candidates: Person[] } | null;
  /** Everything else, as it came (rendered as a key/value list). */
  rest: Record<string, unknown>;
}

const text = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);
const firstOf = (v: unknown): string | null =>
  Array.isArray(v) ? v.map(text).filter(Boolean).join(", ") || null : text(v);

function quotesOf(data: unknown): Quote[] | null {
  if (!Array.isArray(data)) return null;
  const quotes = data.map((d): Quote | null =>
    typeof d === "string"
      ? { label: d, text: null }
      : isObject(d) && typeof d.label === "string"
        ? { label: d.label, text: text(d.text) }
        : null,
  );
  return quotes.every((q) => q !== null) ? quotes : null;
}

function verdictsOf(v: unknown): Verdict[] | null {
  if (!Array.isArray(v) || !v.every((x) => isObject(x) && typeof x.tool === "string" && typeof x.verdict === "string"))
    return null;
  return (v as Record<string, unknown>[]).map((x) => ({
    tool: x.tool as string,
    verdict: (x.verdict as string).replace(/_/g, " "),
    reason: text(x.reason),
    call: callText({ tool: x.tool as string, input: x.input ?? null }),
  }));
}

/** A screening candidate (OpenSanctions' shape: caption, score, properties.birthDate[], datasets, topics). */
function candidateOf(c: unknown): Person | null {
  if (!isObject(c) || typeof c.caption !== "string") return null;
  const p = isObject(c.properties) ? c.properties : {};
  const lists = [firstOf(c.datasets), firstOf(p.topics)].filter(Boolean).join(" · ");
  return {
    name: c.caption,
    birthDate: firstOf(p.birthDate) ?? "not listed",
    country: firstOf(p.country) ?? firstOf(p.nationality) ?? "not listed",
    score: typeof c.score === "number" ? c.score.toFixed(2) : "–",
    list: lists || "–",
    match: c.match === true,
  };
}

function applicantOf(a: unknown): Person | null {
  if (!isObject(a) || typeof a.name !== "string") return null;
  return {
    name: a.name,
    birthDate: text(a.birthDate) ?? "not given",
    country: text(a.country) ?? text(a.nationality) ?? "not given",
    score: "",
    list: "",
    match: false,
  };
}

/**
 * Splits a packet's evidence into the parts the page shows in their own form, leaving the rest as it came. The
 * agent's evidence (`context`, `data`, `model`, `rationale`, `confidence`, `verdicts`) and a screening's
 * (`applicant`, `candidates`, also inside an agent's context) are recognised.
 * @example readEvidence({ data: [{ label: "customer message", text: "Charged twice" }], confidence: 0.6 })
 */
export function readEvidence(evidence: Record<string, unknown> | undefined): ReadEvidence {
  const rest: Record<string, unknown> = { ...(evidence ?? {}) };
  const take = <T>(key: string, read: (v: unknown) => T | null): T | null => {
    if (!(key in rest)) return null;
    const value = read(rest[key]);
    if (value !== null) delete rest[key];
    return value;
  };
  const quotes = take("data", quotesOf) ?? [];
  const rationale = take("rationale", (v) => (v === null ? "" : text(v)));
  const confidence = take("confidence", (v) => (v === null ? -1 : typeof v === "number" ? v : null));
  const model = take("model", text);
  const verdicts = take("verdicts", verdictsOf) ?? [];

  // A screening: at the top (an escalated hit) or inside the agent's context (an ambiguous one the model judged).
  let screening: ReadEvidence["screening"] = null;
  const holder = Array.isArray(rest.candidates) ? rest : isObject(rest.context) ? { ...rest.context } : null;
  if (holder && Array.isArray(holder.candidates)) {
    const candidates = holder.candidates.map(candidateOf);
    if (candidates.every((c) => c !== null)) {
      const applicant = applicantOf(holder.applicant) ?? applicantOf(holder);
      screening = { applicant, candidates: candidates as Person[] };
      if (holder === rest) {
        delete rest.candidates;
        if (applicantOf(rest.applicant)) delete rest.applicant;
      } else {
        // The context without what the comparison shows.
        const { candidates: _c, name: _n, birthDate: _b, country: _k, ...context } = holder;
        if (Object.keys(context).length > 0) rest.context = context;
        else delete rest.context;
      }
    }
  }
  return {
    quotes,
    rationale: rationale || null,
    confidence: confidence === null || confidence < 0 ? null : confidence,
    model,
    verdicts,
    screening,
    rest,
  };
}

/**
 * The amount a task is about, for its row in the inbox: the proposed call's amount, else a charge's in the evidence.
 * @example taskAmount({ proposedAction: 'refund {"charge":"ch_1","amount":8000,"currency":"eur"}' }) // "€80.00"
 */
export function taskAmount(packet: { proposedAction?: string; evidence?: Record<string, unknown> }): string | null {
  for (const call of proposedCalls(packet.proposedAction)) {
    const amounts = Object.values(amountsOf(call.input));
    if (amounts[0]) return amounts[0];
  }
  const context = packet.evidence?.context;
  const charge = isObject(context) ? context.charge : packet.evidence?.charge;
  return amountsOf(charge).amount ?? null;
}

/**
 * Who a case is about, from its key: `customer:ana@example.com` → `ana@example.com`, `deal:42` → `deal 42`.
 * @example whoOf("customer:ana@example.com") // "ana@example.com"
 */
export function whoOf(caseKey: string): string {
  const at = caseKey.indexOf(":");
  if (at < 0) return caseKey;
  const [kind, rest] = [caseKey.slice(0, at), caseKey.slice(at + 1)];
  return kind === "customer" || kind === "applicant" || kind === "email" ? rest : `${kind} ${rest}`;
}

/** A value in one short line: amounts in their currency, instants as dates, objects as `key: value` pairs. */
function briefValue(key: string, value: unknown, room: number): string {
  // A proposal as the agent writes it (`refund {"charge":…}`) in words.
  if (typeof value === "string" && /^(proposedAction|action|carryOut)$/.test(key)) {
    const calls = proposedCalls(value);
    if (calls.some((c) => c.input !== null)) return calls.map(callText).join("; ");
  }
  if (!isObject(value) && !Array.isArray(value)) return leafText(key, value);
  const line = rows(value, 1)
    .map((r) => ("text" in r ? (Array.isArray(value) ? r.text : `${r.label}: ${r.text}`) : r.label))
    .join(Array.isArray(value) ? ", " : " · ");
  return line.length > room ? `${line.slice(0, room - 1)}…` : line;
}

/**
 * An audit entry's detail in one line for people: `tool: refund · input: charge: ch_1 · amount: €250.00 · …`, with
 * instants as UTC dates (never epoch numbers) and amounts in their currency.
 * @example detailLine({ deadline: 1764605992000 }) // "deadline: 2025-12-01 16:19:52 UTC"
 */
export function detailLine(detail: Record<string, unknown> | undefined, room = 160): string {
  if (!detail) return "";
  return Object.entries(detail)
    .filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => `${label(k)}: ${briefValue(k, v, room)}`)
    .join(" · ");
}
