/**
 * The bare KV probes on Deno (bench/new-case.bench.ts): `POST /probe` reads the body and stores it under a fresh key
 * with a checked atomic KV commit before answering 202 — one commit per request, or, with `PROBE_GROUPED=1`, through
 * the product's group commit (workers/platform/deno/kv-group-commit.ts: the writes that arrive while a commit is in
 * flight share the next one), the same durability the case host's ingest has. `GET /healthz` is the trivial route.
 * `PORT` and `PROBE_KV_PATH` from the environment.
 */
import { KvGroupCommit, KvWriteBuilder } from "../../workers/platform/deno/kv-group-commit.ts";

const kv = await Deno.openKv(Deno.env.get("PROBE_KV_PATH"));
const group = Deno.env.get("PROBE_GROUPED") === "1" ? new KvGroupCommit(kv) : null;

async function store(body: string): Promise<boolean> {
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
