/**
 * What the load suite holds the system to, read from where an operator would look: libSQL's `cases` and
 * `metric_events` (what the dashboard counts), the simulators' request logs and objects (what the SaaS systems saw).
 * Checks go by case key and event id, never by the shape of a case id.
 */
import { type Client, createClient } from "@libsql/client/web";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import type { Answer } from "./senders.ts";

const STRIPE_KEY = SIMULATOR_KEYS.stripe;
const ZENDESK_KEY = SIMULATOR_KEYS.zendesk;

/** A failed check: the scenario's name, what was expected and what was found. */
export class LoadCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LoadCheckError";
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Case keys whose event was answered `accepted` (202): promised, so they must reach libSQL. */
export function acceptedKeys(answers: readonly Answer[]): Set<string> {
  return new Set(answers.filter((a) => a.status === 202 && a.outcome === "accepted").map((a) => a.shot.caseKey));
}

/** Rows of `cases` for a run's customers (`customer:load-<run>-…`), by case key. */
async function casesOf(db: Client, run: string): Promise<Map<string, { status: string; rows: number }>> {
  const rs = await db.execute({
    sql: "SELECT case_key, max(status) AS status, count(*) AS n FROM cases WHERE case_key LIKE ? GROUP BY case_key",
    args: [`customer:load-${run}-%`],
  });
  return new Map(rs.rows.map((r) => [String(r.case_key), { status: String(r.status), rows: Number(r.n) }]));
}

/**
 * Waits until every key in `keys` has a case in libSQL (and, with `settled`, one whose status it accepts), polling
 * twice a second; returns the seconds it took, or throws with what is missing once `budgetS` has passed.
 */
export async function waitForCases(
  libsqlUrl: string,
  run: string,
  keys: Set<string>,
  budgetS: number,
  settled?: (status: string) => boolean,
): Promise<number> {
  const db = createClient({ url: libsqlUrl });
  const began = Date.now();
  let missing: string[] = [];
  try {
    for (;;) {
      try {
        const found = await casesOf(db, run);
        missing = [...keys].filter((k) => {
          const c = found.get(k);
          return !c || (settled !== undefined && !settled(c.status));
        });
        if (missing.length === 0) return (Date.now() - began) / 1000;
      } catch {
        // The endpoint may be restarting (the outage scenario): keep polling until the budget is spent.
      }
      if (Date.now() - began > budgetS * 1000) {
        throw new LoadCheckError(
          `${missing.length} of ${keys.size} accepted cases not ${settled ? "finished" : "in libSQL"} ${budgetS} s after the load (e.g. ${missing.slice(0, 3).join(", ")})`,
        );
      }
      await sleep(500);
    }
  } finally {
    db.close();
  }
}

/** Nothing doubled in libSQL: one case per key, one `case.opened` per case, each metric event once. */
export async function checkNoDoubles(libsqlUrl: string, run: string): Promise<void> {
  const db = createClient({ url: libsqlUrl });
  try {
    const found = await casesOf(db, run);
    const doubled = [...found].filter(([, c]) => c.rows > 1);
    if (doubled.length > 0)
      throw new LoadCheckError(`${doubled.length} keys have more than one case (e.g. ${doubled[0]![0]})`);
    const opened = await db.execute({
      sql: "SELECT case_id, sum(kind = 'case.opened') AS n FROM metric_events WHERE case_key LIKE ? GROUP BY case_id HAVING n <> 1",
      args: [`customer:load-${run}-%`],
    });
    if (opened.rows.length > 0)
      throw new LoadCheckError(
        `${opened.rows.length} cases have ${opened.rows[0]!.n} case.opened events instead of 1 (e.g. ${opened.rows[0]!.case_id})`,
      );
    const steps = await db.execute({
      sql: "SELECT case_id, step_id, count(*) AS n FROM metric_events WHERE case_key LIKE ? AND kind = 'step.completed' GROUP BY case_id, step_id HAVING n > 1",
      args: [`customer:load-${run}-%`],
    });
    if (steps.rows.length > 0)
      throw new LoadCheckError(
        `${steps.rows.length} steps completed more than once (e.g. ${steps.rows[0]!.case_id} ${steps.rows[0]!.step_id})`,
      );
  } finally {
    db.close();
  }
}

/**
 * Every delivery of one event got at most one `accepted`; a repeat sent after the first answer came back was answered
 * `duplicate` when that first answer was an acceptance (or refused with a 429 before it was read, to be sent again).
 */
export function checkDuplicatesAnswered(answers: readonly Answer[]): { repeats: number; answeredDuplicate: number } {
  const byEvent = new Map<string, Answer[]>();
  for (const a of answers) byEvent.set(a.shot.eventId, [...(byEvent.get(a.shot.eventId) ?? []), a]);
  let repeats = 0;
  let answeredDuplicate = 0;
  for (const [id, list] of byEvent) {
    const sorted = [...list].sort((a, b) => a.at - b.at);
    if (sorted.filter((a) => a.outcome === "accepted").length > 1)
      throw new LoadCheckError(
        `event ${id} was accepted ${sorted.filter((a) => a.outcome === "accepted").length} times`,
      );
    const firstAccepted = sorted.find((a) => a.outcome === "accepted");
    for (const a of sorted.slice(1)) {
      repeats++;
      if (firstAccepted && a.at >= firstAccepted.at + firstAccepted.ms && a.status !== null) {
        // A 429 refuses before anything is read (the sender comes back after Retry-After): not an answer about the event.
        if (a.status === 429 && (a.outcome === "overloaded" || a.outcome === "rate_limited")) continue;
        if (a.status !== 200 || a.outcome !== "duplicate")
          throw new LoadCheckError(
            `a repeat of accepted event ${id} was answered ${a.status} ${a.outcome}, not 200 duplicate`,
          );
        answeredDuplicate++;
      }
    }
  }
  return { repeats, answeredDuplicate };
}

/**
 * Every delivery `wrangler dev`'s proxy dropped (senders.ts: its own 503, sent again at once) never reached the worker:
 * its resend was accepted, or answered `duplicate` only because an earlier delivery of the same event had been
 * accepted before the dropped one was sent. Otherwise the worker kept an event its sender was told had failed.
 * Returns how many drops there were.
 */
export function checkProxyDrops(answers: readonly Answer[]): number {
  let drops = 0;
  for (const a of answers) {
    if (!a.proxyDrops) continue;
    drops += a.proxyDrops;
    const sentAt = a.firstSentAt ?? a.at;
    const acceptedBefore = answers.some(
      (b) => b.shot.eventId === a.shot.eventId && b.outcome === "accepted" && b.at + b.ms <= sentAt,
    );
    const fine = a.outcome === "accepted" || (a.outcome === "duplicate" && acceptedBefore);
    if (!fine)
      throw new LoadCheckError(
        `event ${a.shot.eventId}: wrangler dev's proxy answered 503 "worker restarted", and the resend was answered ${a.status} ${a.outcome}: the dropped delivery had reached the worker`,
      );
  }
  return drops;
}

interface LoggedRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  replayed: boolean;
  status: number;
}

/**
 * Effects in the simulators happened once: each refund key acted at most once, no charge refunded more than once
 * over, each ticket answered at most once; returns how many refunds and replies there were.
 */
export async function checkEffectsOnce(
  simulatorsUrl: string,
  tickets: { charge: string; ticket: number }[],
): Promise<{ refunds: number; replies: number }> {
  const log = (await (await fetch(`${simulatorsUrl}/stripe/_sim/requests`)).json()) as { requests: LoggedRequest[] };
  const acted = new Map<string, number>();
  for (const r of log.requests) {
    if (r.method === "POST" && r.path.endsWith("/v1/refunds") && r.status === 200 && !r.replayed)
      acted.set(r.idempotencyKey ?? "(none)", (acted.get(r.idempotencyKey ?? "(none)") ?? 0) + 1);
  }
  const twice = [...acted].filter(([, n]) => n > 1);
  if (twice.length > 0)
    throw new LoadCheckError(`${twice.length} refund idempotency keys acted more than once (e.g. ${twice[0]![0]})`);
  if (acted.has("(none)")) throw new LoadCheckError("a refund was sent without an idempotency key");
  let refunds = 0;
  let replies = 0;
  for (const { charge, ticket } of tickets) {
    const c = (await (
      await fetch(`${simulatorsUrl}/stripe/v1/charges/${charge}`, {
        headers: { authorization: `Bearer ${STRIPE_KEY}` },
      })
    ).json()) as { amount: number; amount_refunded: number };
    if (c.amount_refunded > c.amount)
      throw new LoadCheckError(`charge ${charge} refunded ${c.amount_refunded} of ${c.amount}`);
    if (c.amount_refunded > 0) refunds++;
    const t = (await (
      await fetch(`${simulatorsUrl}/zendesk/api/v2/tickets/${ticket}/comments.json`, {
        headers: { authorization: `Bearer ${ZENDESK_KEY}` },
      })
    ).json()) as { count: number };
    if (t.count > 1) throw new LoadCheckError(`ticket ${ticket} was answered ${t.count} times`);
    replies += t.count;
  }
  return { refunds, replies };
}
