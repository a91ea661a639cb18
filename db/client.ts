/**
 * The one way Crossflow opens the metrics database: libSQL over HTTP with `@libsql/client/web`, which runs
 * unchanged in Workers, Node and Deno. Production points it at Turso Cloud; locally at `db/local-server`.
 */
import { createClient } from "@libsql/client/web";
import { drizzle } from "drizzle-orm/libsql/web";
import * as schema from "./schema.ts";

export interface DatabaseConfig {
  url: string;
  authToken?: string;
}

/**
 * @example
 * const db = openDatabase({ url: env.TURSO_DATABASE_URL, authToken: env.TURSO_AUTH_TOKEN });
 * const open = await db.select().from(schema.cases);
 */
export function openDatabase(config: DatabaseConfig) {
  const client = createClient({ url: config.url, authToken: config.authToken || undefined });
  return drizzle(client, { schema });
}

export type MetricsDatabase = ReturnType<typeof openDatabase>;
export { schema };

/**
 * A client for `config`, or null without a URL. A new one per call, on purpose: a client queues its queries behind a
 * concurrency limiter, and in workerd a request waiting on a slot another request's query holds may never be woken
 * (the runtime cancels it as hung). Creating one costs no I/O (the web client holds only its settings).
 * @example const db = databaseFrom({ url: env.TURSO_DATABASE_URL, authToken: env.TURSO_AUTH_TOKEN });
 */
export function databaseFrom(config: { url?: string; authToken?: string }): MetricsDatabase | null {
  return config.url ? openDatabase({ url: config.url, authToken: config.authToken }) : null;
}

/** Where a reader that outlives a request opens its database: a fresh client per read (see `databaseFrom`). */
export interface DatabaseSource {
  /** Names the database (its URL and token): readers keep one cache per source. */
  key: string;
  open(): MetricsDatabase;
}

/**
 * @example const source = databaseSource({ url: env.TURSO_DATABASE_URL, authToken: env.TURSO_AUTH_TOKEN });
 */
export function databaseSource(config: { url?: string; authToken?: string }): DatabaseSource | null {
  const { url, authToken } = config;
  if (!url) return null;
  return { key: `${url}\u0000${authToken ?? ""}`, open: () => openDatabase({ url, authToken }) };
}
