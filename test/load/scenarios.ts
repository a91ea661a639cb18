/**
 * The load suite's scenarios, each against a running stack: (a) a burst of new cases, (b) the same with 20 % repeated
 * deliveries, (c) the runtime killed with SIGKILL mid-load and restarted on its state, (d) connectors failing 30 % of
 * calls, (e) the metrics store down during a burst. Each returns its figures; a broken promise throws LoadCheckError.
 */
import { createClient } from "@libsql/client/web";
import { drizzle } from "drizzle-orm/libsql/web";
import { type TallyGroup, tallyFromRawEvents, tallyFromRollups } from "../../db/kpi/index.ts";
import * as schema from "../../db/schema.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { DEFAULT_TIMEOUT_MS } from "../../workers/connectors/http.ts";
import {
  acceptedKeys,
  checkDuplicatesAnswered,
  checkEffectsOnce,
  checkNoDoubles,
  checkProxyDrops,
  LoadCheckError,
  sleep,
  waitForCases,
} from "./checks.ts";
import { chargeId, newCases, refundTickets, type Secrets, ticketOf } from "./events.ts";
import type { LoadStack } from "./runtime.ts";
import { type Answer, type Fire, figures, send } from "./senders.ts";

export interface Plan {
  burstSeconds: number;
  duplicateSeconds: number;
  crashSeconds: number;
  faultSeconds: number;
  outageSeconds: number;
  /**
   * How long the app's connectors wait for an answer (`CONNECTOR_TIMEOUT_MS`; null: the product's default). The fault
   * scenario's hung answers come back 5 s after it, so each hang costs a case that much rather than 35 s.
   */
  connectorTimeoutMs: number | null;
}

export const FULL: Plan = {
  burstSeconds: 60,
  duplicateSeconds: 60,
  crashSeconds: 40,
  faultSeconds: 20,
  outageSeconds: 60,
  connectorTimeoutMs: null,
};
export const SHORT: Plan = {
  burstSeconds: 15,
  duplicateSeconds: 10,
  crashSeconds: 15,
  faultSeconds: 8,
  outageSeconds: 15,
  // The same faults in less time: CI's connector-fault scenario took 130 s per runtime, most of it hung calls.
  connectorTimeoutMs: 10_000,
};

export type Figures = Record<string, string | number>;

const run = () => Math.random().toString(36).slice(2, 8);
const CONNECTIONS = 50;
/** Accepted cases must be in libSQL this long after a burst ends (issue 14). */
const DRAIN_BUDGET_S = 60;
const FINISHED = (status: string) => ["resolved", "escalated", "failed"].includes(status);

function loadFigures(fire: Fire): Figures {
  const f = figures(fire);
  return {
    requests: f.requests,
    "req/s": f.rps.toFixed(0),
    "accepted/s": f.acceptedPerSecond.toFixed(0),
    "p50 ms": f.p50,
    "p99 ms": f.p99,
    "5xx": f.fiveXx,
    "connection errors": f.connectionErrors,
    "429 (refused before accepting)": f.refused429,
    answers: f.byKind.map(([k, n]) => `${k}: ${n}`).join(", "),
    ...proxyDropFigure(f.proxyDrops),
  };
}

/** Shown only when it happened: deliveries `wrangler dev`'s proxy dropped before the worker, sent again (senders.ts). */
const proxyDropFigure = (drops: number): Figures =>
  drops > 0 ? { "dropped by wrangler dev's proxy before the worker, resent": drops } : {};

/** Runs the checks; a failure carries the load's figures, so a failed scenario still prints what it measured. */
async function withFigures(figures: Figures, checks: () => Promise<Figures>): Promise<Figures> {
  try {
    return { ...figures, ...(await checks()) };
  } catch (error) {
    throw Object.assign(error as Error, { figures });
  }
}

function requireClean(fire: Fire, what: string): void {
  checkProxyDrops(fire.answers);
  const f = figures(fire);
  if (f.fiveXx > 0 || f.connectionErrors > 0)
    throw new LoadCheckError(
      `${what}: ${f.fiveXx} 5xx and ${f.connectionErrors} connection errors (${f.byKind.map(([k, n]) => `${k}: ${n}`).join(", ")})`,
    );
  const missingRetryAfter = fire.answers.filter(
    (a) => a.status === 429 && a.outcome !== "rate_limited" && a.outcome !== "overloaded",
  );
  if (missingRetryAfter.length > 0)
    throw new LoadCheckError(`${what}: ${missingRetryAfter.length} 429s of an unknown kind`);
}

/** (a) 50 senders, each event a new customer's failed invoice (a new payment-recovery case). */
export async function burst(stack: LoadStack, secrets: Secrets, plan: Plan): Promise<Figures> {
  const id = run();
  const fire = await send(stack.url, newCases(secrets, id), { connections: CONNECTIONS, seconds: plan.burstSeconds });
  const keys = acceptedKeys(fire.answers);
  return withFigures({ ...loadFigures(fire), "accepted cases": keys.size }, async () => {
    const drain = await waitForCases(stack.libsqlUrl, id, keys, DRAIN_BUDGET_S);
    requireClean(fire, "burst");
    await checkNoDoubles(stack.libsqlUrl, id);
    return { "time to drain s": drain.toFixed(1) };
  });
}

/** (b) As (a), with 20 % of deliveries repeating an event already answered: answered as duplicates, nothing doubled. */
export async function duplicates(stack: LoadStack, secrets: Secrets, plan: Plan): Promise<Figures> {
  const id = run();
  const source = newCases(secrets, id, { duplicates: 0.2 });
  const fire = await send(stack.url, source, {
    connections: CONNECTIONS,
    seconds: plan.duplicateSeconds,
    onAnswer: (a) => a.status !== null && a.status < 300 && source.answered(a.shot),
  });
  const keys = acceptedKeys(fire.answers);
  return withFigures({ ...loadFigures(fire), "accepted cases": keys.size }, async () => {
    const drain = await waitForCases(stack.libsqlUrl, id, keys, DRAIN_BUDGET_S);
    requireClean(fire, "duplicates");
    const { repeats, answeredDuplicate } = checkDuplicatesAnswered(fire.answers);
    await checkNoDoubles(stack.libsqlUrl, id);
    return {
      "repeated deliveries": repeats,
      "answered duplicate": answeredDuplicate,
      "time to drain s": drain.toFixed(1),
    };
  });
}

async function seedCharges(simulatorsUrl: string, id: string, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const res = await fetch(`${simulatorsUrl}/stripe/v1/charges`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${SIMULATOR_KEYS.stripe}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ id: chargeId(id, n), amount: "2500", currency: "eur" }),
      });
      if (!res.ok) throw new Error(`seeding ${chargeId(id, n)}: ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** The tickets that were sent, with their charges: what the effect checks look at. */
const sentTickets = (id: string, answers: readonly Answer[]) =>
  [...new Set(answers.map((a) => Number(a.shot.caseKey.split("-").at(-1)!.split("@")[0])))].map((n) => ({
    charge: chargeId(id, n),
    ticket: ticketOf(id, n),
  }));

/**
 * (c) Refund tickets (a Stripe refund and a Zendesk reply per case) from 20 senders; a third of the way in, the runtime
 * is killed with SIGKILL and started again on the same state. Every event answered 2xx is processed exactly once:
 * its case finishes, no refund or reply happens twice, and a repeat of an acknowledged event is a duplicate.
 */
export async function crash(stack: LoadStack, secrets: Secrets, plan: Plan): Promise<Figures> {
  const id = run();
  const capacity = plan.crashSeconds * 60;
  await seedCharges(stack.simulatorsUrl, id, capacity);
  const killAt = Math.round(plan.crashSeconds / 3);
  const load = send(stack.url, refundTickets(secrets, id, capacity), { connections: 20, seconds: plan.crashSeconds });
  await sleep(killAt * 1000);
  const killed = Date.now();
  await stack.kill();
  await stack.restart();
  const back = Date.now();
  const fire = await load;
  // After the restart: 5xx or connection errors are failures again (a few seconds for senders' pauses to pass).
  const late = fire.answers.filter((a) => a.at > back + 3000 && (a.status === null || a.status >= 500));
  if (late.length > 0)
    throw new LoadCheckError(
      `crash: ${late.length} failed answers after the restart (${late[0]!.status ?? late[0]!.outcome})`,
    );
  // The same window as for 5xx: while the runtime is down or starting, failed answers are allowed (and counted); after
  // it, a delivery the proxy dropped must not have reached the worker.
  checkProxyDrops(fire.answers.filter((a) => (a.firstSentAt ?? a.at) > back + 3000));
  const acked = fire.answers.filter((a) => a.status === 202 && a.outcome === "accepted");
  const redelivered = await send(
    stack.url,
    (() => {
      const list = acked.slice(0, 50).map((a) => a.shot);
      return () => list.shift() ?? null;
    })(),
    { connections: 5, seconds: 30 },
  );
  const notDuplicate = redelivered.answers.filter((a) => a.status !== 200 || a.outcome !== "duplicate");
  if (notDuplicate.length > 0)
    throw new LoadCheckError(
      `crash: a redelivery of an acknowledged event was answered ${notDuplicate[0]!.status} ${notDuplicate[0]!.outcome}`,
    );
  const keys = acceptedKeys(fire.answers);
  const finished = await waitForCases(stack.libsqlUrl, id, keys, 120, FINISHED);
  await checkNoDoubles(stack.libsqlUrl, id);
  const effects = await checkEffectsOnce(stack.simulatorsUrl, sentTickets(id, fire.answers));
  const f = figures(fire);
  return {
    requests: f.requests,
    "accepted cases": keys.size,
    "killed at s": killAt,
    "down for s": ((back - killed) / 1000).toFixed(1),
    "connection errors while down": f.connectionErrors,
    "5xx while down": f.fiveXx,
    ...proxyDropFigure(f.proxyDrops + figures(redelivered).proxyDrops),
    "acknowledged repeats answered duplicate": redelivered.answers.length,
    refunds: effects.refunds,
    "ticket replies": effects.replies,
    "all finished after s": finished.toFixed(1),
  };
}

/** Three calls in ten fail, cycling: a 500, a 429 with Retry-After, an answer that comes after the client's timeout. */
const faultCycle = (plan: Plan) => [
  { status: 500 },
  { times: 2 },
  { status: 429, retryAfter: 1 },
  { times: 2 },
  { delayMs: (plan.connectorTimeoutMs ?? DEFAULT_TIMEOUT_MS) + 5_000 },
  { times: 3 },
];

/** (d) Refund tickets while Stripe and Zendesk fail 30 % of calls: every case finishes or escalates, no effect doubled. */
export async function faults(stack: LoadStack, secrets: Secrets, plan: Plan): Promise<Figures> {
  const id = run();
  const count = plan.faultSeconds * 25;
  await seedCharges(stack.simulatorsUrl, id, count);
  for (const system of ["stripe", "zendesk"]) {
    // About four calls per case to each system, retries included; after that the systems answer normally.
    for (let cycle = 0; cycle < Math.ceil((count * 4) / 10); cycle++) {
      for (const fault of faultCycle(plan))
        await fetch(`${stack.simulatorsUrl}/${system}/_sim/faults`, { method: "POST", body: JSON.stringify(fault) });
    }
  }
  const fire = await send(stack.url, refundTickets(secrets, id, count), {
    connections: 20,
    seconds: plan.faultSeconds * 4,
  });
  requireClean(fire, "faults");
  const keys = acceptedKeys(fire.answers);
  const finished = await waitForCases(stack.libsqlUrl, id, keys, 180, FINISHED);
  // The checks below read the simulators: the faults the cases' calls did not use must not answer them.
  for (const system of ["stripe", "zendesk"])
    await fetch(`${stack.simulatorsUrl}/${system}/_sim/faults`, { method: "DELETE" });
  await checkNoDoubles(stack.libsqlUrl, id);
  const effects = await checkEffectsOnce(stack.simulatorsUrl, sentTickets(id, fire.answers));
  const statuses = await createClient({ url: stack.libsqlUrl }).execute({
    sql: "SELECT status, count(*) AS n FROM cases WHERE case_key LIKE ? GROUP BY status",
    args: [`customer:load-${id}-%`],
  });
  return {
    ...loadFigures(fire),
    "accepted cases": keys.size,
    outcomes: statuses.rows.map((r) => `${r.status}: ${r.n}`).join(", "),
    refunds: effects.refunds,
    "ticket replies": effects.replies,
    "all finished after s": finished.toFixed(1),
  };
}

const sorted = (groups: TallyGroup[]) =>
  groups
    .map((g) => ({
      ...g,
      tally: { ...g.tally, ttr: [...g.tally.ttr].sort(), exceptions: [...g.tally.exceptions].sort() },
    }))
    .sort((a, b) => `${a.workflowId}${a.version}${a.day}`.localeCompare(`${b.workflowId}${b.version}${b.day}`));

/**
 * (e) The libSQL endpoint stopped for the outage while a burst of new cases arrives, then started again: every accepted
 * case reaches it (each metric event once), and the rollups the dashboard reads equal the raw events.
 */
export async function outage(stack: LoadStack, secrets: Secrets, plan: Plan): Promise<Figures> {
  const id = run();
  await stack.stopLibsql();
  const back = (async () => {
    await sleep(plan.outageSeconds * 1000);
    await stack.startLibsql();
    return Date.now();
  })();
  const fire = await send(stack.url, newCases(secrets, id), { connections: CONNECTIONS, seconds: plan.outageSeconds });
  const restartedAt = await back;
  requireClean(fire, "outage");
  const keys = acceptedKeys(fire.answers);
  // Case outboxes retry with backoff (up to about a minute apart after a minute's outage).
  await waitForCases(stack.libsqlUrl, id, keys, 90);
  const sinceRestart = (Date.now() - restartedAt) / 1000;
  await checkNoDoubles(stack.libsqlUrl, id);
  const db = drizzle(createClient({ url: stack.libsqlUrl }), { schema });
  const range = { fromDay: 0, toDay: 1_000_000 };
  const raw = JSON.stringify(sorted(await tallyFromRawEvents(db, range, ["workflow", "version", "day"])));
  const rollups = JSON.stringify(sorted(await tallyFromRollups(db, range, ["workflow", "version", "day"])));
  if (raw !== rollups) throw new LoadCheckError("outage: the rollups differ from the raw metric events");
  return {
    ...loadFigures(fire),
    "outage s": plan.outageSeconds,
    "accepted cases": keys.size,
    "all in libSQL after the restart s": sinceRestart.toFixed(1),
  };
}
