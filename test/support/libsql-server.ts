/**
 * A real libSQL endpoint for a test file: a migrated database in a temporary folder behind the local server (the
 * HTTP client production uses), started before the file's tests and removed after.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { type MetricsDatabase, openDatabase } from "../../db/client.ts";
import { type LibsqlServer, startLibsqlServer } from "../../db/local-server/server.ts";
import { applyMigrations } from "../../db/migrate.ts";

export function useMigratedDatabase(name: string): () => { db: MetricsDatabase; server: LibsqlServer } {
  let dir: string | undefined;
  let server: LibsqlServer | undefined;
  let db: MetricsDatabase | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `crossflow-${name}-`));
    const file = join(dir, "metrics.db");
    await applyMigrations({ url: pathToFileURL(file).href });
    server = await startLibsqlServer({ file });
    db = openDatabase({ url: server.url });
  });
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!db || !server) throw new Error("the database is not started yet");
    return { db, server };
  };
}
