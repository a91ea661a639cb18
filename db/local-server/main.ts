/**
 * `npm run db:serve`: the local stand-in for Turso Cloud. Applies the committed migrations to
 * `.data/crossflow.db` (libSQL), then serves it over HTTP; `/health` answers only once both are done.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { applyMigrations } from "../migrate.ts";
import { startLibsqlServer } from "./server.ts";

const file = resolve(process.env.LIBSQL_FILE ?? ".data/crossflow.db");
const port = Number(process.env.LIBSQL_PORT ?? 8080);
mkdirSync(dirname(file), { recursive: true });
await applyMigrations({ url: pathToFileURL(file).href });
const server = await startLibsqlServer({ file, port, authToken: process.env.LIBSQL_AUTH_TOKEN || undefined });
console.log(`libSQL endpoint ready at ${server.url} (file ${file}, migrations applied)`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void server.close().then(() => process.exit(0)));
}
