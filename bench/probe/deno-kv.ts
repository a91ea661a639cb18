/**
 * The bare KV probes on Deno (bench/new-case.bench.ts): `POST /probe` reads the body and stores it under a fresh key
 * with a checked atomic KV commit before answering 202 — one commit per request, or, with `PROBE_GROUPED=1`, through
 * the product's group commit (workers/platform/deno/kv-group-commit.ts: the writes that arrive while a commit is in
 * flight share the next one), the same durability the case host's ingest has. With `PROBE_CASES=N` it first fills
 * N cases with records the size of a freshly opened case's, then stores each request as an event into an existing
 * case writes it (the case's version checked and moved, the event and its audit entry set), the cases taken in turn,
 * group-committed: what the storage alone does as open cases grow. `GET /healthz` is the trivial route.
 * `PORT` and `PROBE_KV_PATH` from the environment.
 */
import { KvGroupCommit, KvWriteBuilder } from "../../workers/platform/deno/kv-group-commit.ts";

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

Deno.serve(
  { port: Number(Deno.env.get("PORT") ?? 8790), hostname: "127.0.0.1", onListen: () => {} },
  async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return new Response("ok");
    if (request.method !== "POST" || url.pathname !== "/probe") return new Response(null, { status: 404 });
    return new Response(null, { status: (await store(await request.text())) ? 202 : 409 });
  },
);
