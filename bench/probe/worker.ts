/**
 * The bare new-object probe on `wrangler dev`: `POST /probe` reads the body, creates one Durable Object (named by a
 * fresh UUID, so every request makes a new one) and stores one row in its SQLite before answering 202; `GET /healthz`
 * is the trivial route. No verification, no routing, no case: what a new case cannot go below on this runtime.
 */
import { DurableObject } from "cloudflare:workers";

interface Env {
  PROBE: DurableObjectNamespace<ProbeObject>;
}

export class ProbeObject extends DurableObject {
  store(body: string): number {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    sql.exec("INSERT INTO events (body) VALUES (?)", body);
    return 1;
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return new Response("ok");
    if (request.method !== "POST" || url.pathname !== "/probe") return new Response(null, { status: 404 });
    const body = await request.text();
    await env.PROBE.get(env.PROBE.idFromName(crypto.randomUUID())).store(body);
    return new Response(null, { status: 202 });
  },
} satisfies ExportedHandler<Env>;
