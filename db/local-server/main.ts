/**
 * `npm run db:serve`: the local stand-in for Turso Cloud. Applies the committed migrations to
 * `.data/crossflow.db` (libSQL), then serves it over HTTP; `/health` answers only once both are done.
 * With a token (`LIBSQL_AUTH_TOKEN`, else `TURSO_AUTH_TOKEN`, what the clients send) every other request needs
 * `Authorization: Bearer <token>`; without one it serves anyone who can reach it, so it listens on 127.0.0.1
 * unless `LIBSQL_HOST` says otherwise.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { applyMigrations } from "../migrate.ts";
import { startLibsqlServer } from "./server.ts";

const file = resolve(process.env.LIBSQL_FILE ?? ".data/crossflow.db");
const port = Number(process.env.LIBSQL_PORT ?? 8080);
const host = process.env.LIBSQL_HOST || "127.0.0.1";
const authToken = process.env.LIBSQL_AUTH_TOKEN || process.env.TURSO_AUTH_TOKEN || undefined;
mkdirSync(dirname(file), { recursive: true });
await applyMigrations({ url: pathToFileURL(file).href });
const server = await startLibsqlServer({ file, port, host, authToken });
console.log(
  `libSQL endpoint ready at ${server.url} (file ${file}, migrations applied, ${authToken ? "auth token required" : "no auth token: open to anyone who can reach it"})`,
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void server.close().then(() => process.exit(0)));
}
