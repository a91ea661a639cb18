/**
 * The bare new-object probes on `wrangler dev`; `GET /healthz` is the trivial route. No verification, no routing, no
 * engine: what a new case cannot go below on this runtime.
 * - `POST /probe`: creates one Durable Object (named by a fresh UUID, so every request makes a new one) and stores one
 *   row in its SQLite before answering 202.
 * - `POST /probe-case`: the same, plus the durable shape a new case has after its 202 (workers/case/runtime.ts): the
 *   row and an alarm set at once, committed before the answer; the alarm records a step and its metric in one
 *   commit, hands the metric to libSQL (one Hrana pipeline request to `TURSO_DATABASE_URL`, as the case's metrics
 *   flush does), and marks it sent in a third commit. Three local commits and one libSQL write per object.
 */
import { DurableObject } from "cloudflare:workers";
import { handOver } from "./libsql-handover.ts";

interface Env {
  PROBE: DurableObjectNamespace<ProbeObject>;
  TURSO_DATABASE_URL: string;
  TURSO_AUTH_TOKEN?: string;
}

export class ProbeObject extends DurableObject<Env> {
  store(body: string): number {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    sql.exec("INSERT INTO events (body) VALUES (?)", body);
    return 1;
  }

  async open(body: string): Promise<number> {
    this.store(body);
    await this.ctx.storage.setAlarm(Date.now());
    return 1;
  }

  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS steps (id INTEGER PRIMARY KEY, output TEXT NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, body TEXT NOT NULL, sent INTEGER NOT NULL)");
    const event = sql.exec<{ body: string }>("SELECT body FROM events ORDER BY id LIMIT 1").one();
    sql.exec("INSERT INTO steps (output) VALUES (?)", JSON.stringify({ length: event.body.length }));
    const metric = { id: this.ctx.id.toString(), at: Date.now(), kind: "case.resolved" };
    sql.exec("INSERT INTO outbox (id, body, sent) VALUES (?, ?, 0)", metric.id, JSON.stringify(metric));
    await handOver({ url: this.env.TURSO_DATABASE_URL, authToken: this.env.TURSO_AUTH_TOKEN }, metric);
    sql.exec("UPDATE outbox SET sent = 1 WHERE id = ?", metric.id);
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return new Response("ok");
    if (request.method !== "POST" || (url.pathname !== "/probe" && url.pathname !== "/probe-case"))
      return new Response(null, { status: 404 });
    const body = await request.text();
    const object = env.PROBE.get(env.PROBE.idFromName(crypto.randomUUID()));
    await (url.pathname === "/probe" ? object.store(body) : object.open(body));
    return new Response(null, { status: 202 });
  },
} satisfies ExportedHandler<Env>;
