/**
 * The bare KV probes on Deno (bench/new-case.bench.ts): `POST /probe` reads the body and stores it under a fresh key
 * with a checked atomic KV commit before answering 202 — one commit per request, or, with `PROBE_GROUPED=1`, through
 * the product's group commit (workers/platform/deno/kv-group-commit.ts: the writes that arrive while a commit is in
 * flight share the next one), the same durability the case host's ingest has. With `PROBE_CASES=N` it first fills
 * N cases with records the size of a freshly opened case's, then stores each request as an event into an existing
 * case writes it (the case's version checked and moved, the event and its audit entry set), the cases taken in turn,
 * group-committed: what the storage alone does as open cases grow. `POST /probe-case` (with `PROBE_GROUPED=1` and
 * `TURSO_DATABASE_URL`) is a new case's durable shape, as bench/probe/worker.ts's `/probe-case` on workerd: a fresh
 * case's version, event and timer (its record and a queue message) in one checked commit before the 202; then, run in
 * process as the case host runs near alarms (at most 256 at once) and again by its queue message if still set, a
 * step and its metric in a second commit, the metric handed to libSQL, and the metric marked sent with the timer
 * cleared in a third: three commits and one libSQL write a case. `GET /healthz` is the trivial route.
 * `PORT` and `PROBE_KV_PATH` from the environment.
 */
import { KvGroupCommit, KvWriteBuilder } from "../../workers/platform/deno/kv-group-commit.ts";
import { handOver } from "./libsql-handover.ts";

const kv = await Deno.openKv(Deno.env.get("PROBE_KV_PATH"));
const group =
  Deno.env.get("PROBE_GROUPED") === "1" || Number(Deno.env.get("PROBE_CASES") ?? 0) > 0 ? new KvGroupCommit(kv) : null;

const CASES = Number(Deno.env.get("PROBE_CASES") ?? 0);
/** Each case's version as this process last wrote it (the case host keeps it with the loaded case). */
const versions: Deno.KvEntryMaybe<number>[] = [];
/** Records of a freshly opened payment-recovery case (bench/RESULTS.md newcase): 11 records, about 3 KB. */
const OPENED = [
  ["header", 400],
  ["event", 530],
  ["audit", 450],
  ["audit", 450],
  ["audit", 450],
  ["step", 190],
  ["attempt", 180],
  ["metric", 84],
  ["metric", 84],
  ["metric", 84],
  ["metric", 84],
] as const;
const caseId = (i: number) => `payment-recovery/customer:bench-open-${i}@example.com`;
for (let first = 0; first < CASES; first += 40) {
  const op = kv.atomic();
  for (let i = first; i < Math.min(CASES, first + 40); i++) {
    OPENED.forEach(([kind, bytes], n) => {
      op.set(["case", caseId(i), kind, n, 0], "x".repeat(bytes));
    });
    // The version at the case's prefix itself, as the product keeps it (workers/platform/deno/kv-case-store.ts).
    op.set(["case", caseId(i)], 1);
  }
  await op.commit();
}
for (let i = 0; i < CASES; i++) versions.push(await kv.get<number>(["case", caseId(i)]));
let turn = 0;
let seq = OPENED.length;

async function store(body: string): Promise<boolean> {
  if (CASES > 0) {
    const i = turn++ % CASES;
    const version = versions[i]!;
    const id = caseId(i);
    const n = ++seq;
    const stored = await group!.commit(
      new KvWriteBuilder()
        .check(version)
        .set(["case", id, "event", n, 0], body)
        .set(["case", id, "audit", n, 0], "x".repeat(450))
        .set(["case", id], (version.value ?? 0) + 1).write,
    );
    if (stored.ok)
      versions[i] = { key: version.key, value: (version.value ?? 0) + 1, versionstamp: stored.versionstamp };
    return stored.ok;
  }
  const key = ["probe", crypto.randomUUID()];
  if (group)
    return (await group.commit(new KvWriteBuilder().check({ key, versionstamp: null }).set(key, body).write)).ok;
  return (await kv.atomic().check({ key, versionstamp: null }).set(key, body).commit()).ok;
}

const libsql = { url: Deno.env.get("TURSO_DATABASE_URL") ?? "", authToken: Deno.env.get("TURSO_AUTH_TOKEN") };
/** The case-shaped probe's alarms: those running, those waiting for one of the 256 places, the failures seen. */
const alarms = { running: new Set<string>(), waiting: [] as string[], failures: 0 };
/** Each opened case's versionstamp until its alarm ran (the case host keeps the case it opened loaded). */
const opened = new Map<string, string>();
const ALARMS_AT_ONCE = 256;

/** A new case's first commit: its version, its event, its timer's record and queue message, before the 202. */
async function openCase(body: string): Promise<boolean> {
  const id = crypto.randomUUID();
  const version = { key: ["case", id], versionstamp: null };
  const stored = await group!.commit(
    new KvWriteBuilder()
      .check(version)
      .set(["case", id], 1)
      .set(["case", id, "event", 1, 0], body)
      .set(["case-alarm", id], Date.now())
      .enqueue({ id }, { delay: 0 }).write,
  );
  if (stored.ok) {
    opened.set(id, stored.versionstamp);
    scheduleAlarm(id);
  }
  return stored.ok;
}

function scheduleAlarm(id: string): void {
  if (alarms.running.size >= ALARMS_AT_ONCE) alarms.waiting.push(id);
  else void runAlarm(id);
}

/** The alarm: a step and its metric committed, the metric in libSQL, then marked sent with the timer cleared. */
async function runAlarm(id: string): Promise<void> {
  alarms.running.add(id);
  try {
    // As the host does before an alarm runs: the stored timer decides whether it is still due.
    const timer = await kv.get<number>(["case-alarm", id]);
    const versionstamp = opened.get(id);
    if (timer.versionstamp === null || versionstamp === undefined) return;
    opened.delete(id);
    const version = { key: ["case", id], versionstamp };
    const metric = { id: `deno-probe:${id}`, at: Date.now(), kind: "case.resolved" };
    const stepped = await group!.commit(
      new KvWriteBuilder()
        .check(version)
        .set(["case", id, "step", 1, 0], JSON.stringify({ stored: true }))
        .set(["case", id, "metric", 1, 0], JSON.stringify(metric))
        .set(["case", id], 2).write,
    );
    if (!stepped.ok) throw new Error(`case ${id} changed under its alarm`);
    await handOver(libsql, metric);
    const sent = await group!.commit(
      new KvWriteBuilder()
        .check({ key: ["case", id], versionstamp: stepped.versionstamp }, timer)
        .set(["case", id, "metric", 1, 0], JSON.stringify({ sent: true }))
        .delete(["case-alarm", id])
        .set(["case", id], 3).write,
    );
    if (!sent.ok) throw new Error(`case ${id} changed before its metric was marked sent`);
  } catch (error) {
    if (alarms.failures++ < 5) console.error("probe alarm failed:", error);
  } finally {
    alarms.running.delete(id);
    const next = alarms.waiting.shift();
    if (next) void runAlarm(next);
  }
}

if (Deno.env.get("TURSO_DATABASE_URL"))
  // A timer's message comes after its alarm ran in process (or while it runs): the stored timer decides, as in the host.
  void kv.listenQueue(async (message: unknown) => {
    const { id } = message as { id: string };
    if (!alarms.running.has(id) && (await kv.get(["case-alarm", id])).versionstamp !== null) scheduleAlarm(id);
  });

Deno.serve(
  { port: Number(Deno.env.get("PORT") ?? 8790), hostname: "127.0.0.1", onListen: () => {} },
  async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return new Response("ok");
    if (request.method !== "POST") return new Response(null, { status: 404 });
    if (url.pathname === "/probe-case" && group && libsql.url)
      return new Response(null, { status: (await openCase(await request.text())) ? 202 : 409 });
    if (url.pathname !== "/probe") return new Response(null, { status: 404 });
    return new Response(null, { status: (await store(await request.text())) ? 202 : 409 });
  },
);
