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

/** One client per database URL and token in this isolate (the libSQL web client holds no connection, only settings). */
const shared = new Map<string, MetricsDatabase>();

/**
 * The isolate's client for `config`, opened on first use; null without a URL.
 * @example const db = sharedDatabase({ url: env.TURSO_DATABASE_URL, authToken: env.TURSO_AUTH_TOKEN });
 */
export function sharedDatabase(config: { url?: string; authToken?: string }): MetricsDatabase | null {
  if (!config.url) return null;
  const key = `${config.url}\u0000${config.authToken ?? ""}`;
  let db = shared.get(key);
  if (!db) {
    db = openDatabase({ url: config.url, authToken: config.authToken });
    shared.set(key, db);
  }
  return db;
}
