/**
 * `npx tsx bench/inbox.bench.ts`: the escalation inbox with 500 open tasks, seeded through the real workflows on the
 * local stack (`wrangler dev`, libSQL, simulators, the dashboard): 500 refund tickets reporting a stolen card, which
 * refund-dispute's rule hands to a person. Then the inbox page's server render (HTTP GET of its full HTML, signed in)
 * unfiltered, filtered and on a later page, p50/p95, beside the sign-in page on the same server as the baseline.
 * Writes its section of bench/RESULTS.md. Goal (issue 18): p95 ≤ 300 ms.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { createSession, createUser } from "../dashboard/src/lib/server/accounts/index.ts";
import { openDatabase } from "../db/client.ts";
import { devVar } from "../scripts/dev-vars.ts";
import { post, sign } from "../scripts/senders.ts";
import { startStack } from "../scripts/stack.ts";
import { SIMULATOR_KEYS } from "../simulators/keys.ts";
import { machine, writeSection } from "./results.ts";

const TASKS = Number(process.env.BENCH_INBOX_TASKS ?? 500);
const RUNS = Number(process.env.BENCH_INBOX_RUNS ?? 30);
const CONCURRENCY = 8;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const ms = (v: number) => `${v.toFixed(0)} ms`;

async function timeGet(url: string, cookie: string): Promise<number> {
  const began = performance.now();
  const res = await fetch(url, { headers: { cookie, accept: "text/html" }, redirect: "manual" });
  const html = await res.text();
  const took = performance.now() - began;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${html.slice(0, 200)}`);
  return took;
}

const dataDir = mkdtempSync(join(tmpdir(), "crossflow-bench-inbox-"));
const stack = await startStack({ dataDir, quiet: true });
try {
  const db = openDatabase({ url: stack.libsql.url, authToken: stack.libsql.authToken });
  const secret = devVar("ZENDESK_WEBHOOK_SECRET")!;
  const run = Date.now().toString(36);
  /** One refund ticket reporting a stolen card, for a charge made in the Stripe simulator first. */
  const ticket = async (n: number) => {
    const charge = `ch_bench${run}${n}`;
    const made = await fetch(`${stack.simulators.url}/stripe/v1/charges`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${SIMULATOR_KEYS.stripe}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ id: charge, amount: String(1000 + n), currency: "eur" }),
    });
    if (!made.ok) throw new Error(`charge ${n}: ${made.status}`);
    const payload = {
      id: `zd-${crypto.randomUUID()}`,
      type: "zen:event-type:ticket.created",
      time: new Date().toISOString(),
      detail: {
        id: String(n),
        subject: "Refund request",
        description: `I did not authorize ${charge}, my card was stolen.`,
        tags: ["refund"],
        requester: { email: `bench-${run}-${n}@example.com` },
      },
    };
    // A sender retries what the worker asks it to (503 or 429 under load, with Retry-After), as Zendesk does.
    for (let attempt = 1; ; attempt++) {
      const res = await post(stack.worker.url, await sign.zendesk(secret, payload));
      if (res.status === 202) return;
      if ((res.status !== 503 && res.status !== 429) || attempt === 10) throw new Error(`ticket ${n}: ${res.status}`);
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get("retry-after") ?? 1)));
    }
  };
  const seeding = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < TASKS) await ticket(next++);
    }),
  );
  const open = async () =>
    Number((await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM cases WHERE awaiting_person = 1`))?.n ?? 0);
  for (let waited = 0; (await open()) < TASKS; waited += 1000) {
    if (waited > 600_000) throw new Error(`only ${await open()} of ${TASKS} tasks open after 10 minutes`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const seeded = (performance.now() - seeding) / 1000;
  console.log(`${TASKS} open tasks in ${seeded.toFixed(0)} s`);

  const user = await createUser(db, {
    username: `bench-${run}`,
    password: `bench-password-${crypto.randomUUID()}`,
    role: "operator",
  });
  const { token } = await createSession(db, user.id);
  const cookie = `crossflow_session=${token}`;
  const base = stack.dashboard!.url;
  const pages = [
    { name: "inbox, unfiltered (first page of 50)", path: "/inbox" },
    { name: "inbox, escalations of refund-dispute", path: "/inbox?workflow=refund-dispute&kind=escalation" },
    { name: "inbox, search by case key (one match)", path: `/inbox?q=${encodeURIComponent(`bench-${run}-250@`)}` },
    { name: "inbox, page 6 of 10", path: "/inbox?page=5" },
  ];
  const baseline: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) baseline.push(await timeGet(`${base}/login`, ""));
  const rows: { name: string; p50: number; p95: number }[] = [];
  for (const page of pages) {
    for (let i = 0; i < 3; i++) await timeGet(base + page.path, cookie); // warm-up (the dev server compiles on first use)
    const times = [];
    for (let i = 0; i < RUNS; i++) times.push(await timeGet(base + page.path, cookie));
    rows.push({ ...page, p50: percentile(times, 50), p95: percentile(times, 95) });
    console.log(`${page.name}: p50 ${ms(percentile(times, 50))}, p95 ${ms(percentile(times, 95))}`);
  }
  const worst = Math.max(...rows.map((r) => r.p95));
  writeSection(
    "inbox",
    `## The inbox with ${TASKS} open tasks (\`npx tsx bench/inbox.bench.ts\`)

Measured: ${new Date().toISOString()}
Machine: ${machine()}. The local stack as \`npm start\` runs it (\`wrangler dev\`, local libSQL, simulators, the
dashboard's Vite dev server), all on the same two cores as the client. ${TASKS} refund tickets reporting a stolen card,
sent as signed Zendesk webhooks, each escalated to a person by refund-dispute's own rule (${seeded.toFixed(0)} s until
all ${TASKS} were open in the metrics database). Server render: HTTP GET of the page's full HTML, signed in as an
operator, ${RUNS} runs each after 3 warm-ups; the list is one query on \`cases.awaiting_person\` and only the 50 tasks
shown are read, in one request to the case API (\`GET /api/tasks\`, their rows read in parallel in the worker). Baseline: the sign-in page on the same server, p50 ${ms(percentile(baseline, 50))}.

| page | server render p50 | p95 |
|---|---:|---:|
${rows.map((r) => `| ${r.name} | ${ms(r.p50)} | ${ms(r.p95)} |`).join("\n")}

Goal (issue 18): p95 ≤ 300 ms. ${worst <= 300 ? `**Met**: the slowest p95 is ${ms(worst)}.` : `**Not met**: the slowest p95 is ${ms(worst)}.`}
`,
  );
} finally {
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
