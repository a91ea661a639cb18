/**
 * Applies the committed drizzle-kit migrations to a libSQL database: a local file (`file:` URL, used by the
 * local endpoint before it starts serving) or a libSQL endpoint over HTTP such as Turso Cloud.
 */
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import type { DatabaseConfig } from "./client.ts";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("./migrations", import.meta.url));

export async function applyMigrations(config: DatabaseConfig): Promise<void> {
  const client = createClient({ url: config.url, authToken: config.authToken || undefined });
  try {
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    client.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.TURSO_DATABASE_URL;
  if (!url) {
    console.error("db:migrate needs TURSO_DATABASE_URL (and TURSO_AUTH_TOKEN for Turso Cloud)");
    process.exit(2);
  }
  await applyMigrations({ url, authToken: process.env.TURSO_AUTH_TOKEN });
  console.log(`migrations applied to ${url}`);
}
