/**
 * The bare KV probe on Deno (bench/new-case.bench.ts): `POST /probe` reads the body and stores it under a fresh key
 * with one atomic, checked KV commit per request before answering 202 (what each event cost before group commit);
 * `GET /healthz` is the trivial route. `PORT` and `PROBE_KV_PATH` from the environment.
 */
const kv = await Deno.openKv(Deno.env.get("PROBE_KV_PATH"));
Deno.serve(
  { port: Number(Deno.env.get("PORT") ?? 8790), hostname: "127.0.0.1", onListen: () => {} },
  async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return new Response("ok");
    if (request.method !== "POST" || url.pathname !== "/probe") return new Response(null, { status: 404 });
    const key = ["probe", crypto.randomUUID()];
    const result = await kv
      .atomic()
      .check({ key, versionstamp: null })
      .set(key, await request.text())
      .commit();
    return new Response(null, { status: result.ok ? 202 : 409 });
  },
);
