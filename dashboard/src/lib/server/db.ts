/** The dashboard's only door to the metrics database (server-side; never shipped to the browser). */

import { type MetricsDatabase, openDatabase } from "$db/client.ts";
import { env } from "$env/dynamic/private";

let db: MetricsDatabase | undefined;

export function metricsDb(): MetricsDatabase {
  if (!env.TURSO_DATABASE_URL) {
    throw new Error(
      "TURSO_DATABASE_URL is not set: point it at Turso Cloud, or run `npm start` for the local libSQL endpoint",
    );
  }
  db ??= openDatabase({ url: env.TURSO_DATABASE_URL, authToken: env.TURSO_AUTH_TOKEN });
  return db;
}
