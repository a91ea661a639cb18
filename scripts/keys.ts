/**
 * `npm run keys -- <command>`: per-caller API keys for the case API, in the database at TURSO_DATABASE_URL (with
 * TURSO_AUTH_TOKEN; the local stack's by default).
 *   create --name <what it is for> --role <viewer|operator|admin> [--holder <who it acts as>] [--task-roles a,b]
 *          [--workflows wf1,wf2] [--by <admin>]      prints the key once
 *   list                                               every key: id, holder, role, scope, last used, revoked
 *   revoke <id> [--by <admin>]                          refused from its next call on
 */
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { ApiKeyError, type ApiKeyRow, createApiKey, listApiKeys, revokeApiKey } from "../db/api-keys.ts";
import { openDatabase } from "../db/client.ts";
import { DASHBOARD_ROLES } from "../db/schema.ts";
import { devVar } from "./dev-vars.ts";

const USAGE = `usage: npm run keys -- create --name <name> --role <${DASHBOARD_ROLES.join("|")}> [--holder <who>] [--task-roles a,b] [--workflows wf1,wf2] [--by <admin>]
       npm run keys -- list
       npm run keys -- revoke <id> [--by <admin>]
(the database: TURSO_DATABASE_URL and TURSO_AUTH_TOKEN, default the local stack's)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: "string" },
    holder: { type: "string" },
    role: { type: "string" },
    "task-roles": { type: "string" },
    workflows: { type: "string" },
    by: { type: "string" },
  },
});

const when = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString().replace(/\.\d+Z$/, "Z"));

function describe(row: ApiKeyRow): string {
  const scope = row.workflows ? row.workflows.join(",") : "all workflows";
  const roles = [row.role, ...row.taskRoles].join("+");
  const state =
    row.revokedAt === null ? `last used ${when(row.lastUsedAt)}` : `REVOKED ${when(row.revokedAt)} by ${row.revokedBy}`;
  return `${row.id}  ${row.name} · acts as ${row.holder} · ${roles} · ${scope} · created ${when(row.createdAt)} by ${row.createdBy} · ${state}`;
}

const db = openDatabase({
  url: process.env.TURSO_DATABASE_URL ?? devVar("TURSO_DATABASE_URL") ?? "http://127.0.0.1:8080",
  authToken: process.env.TURSO_AUTH_TOKEN ?? devVar("TURSO_AUTH_TOKEN"),
});
const by = values.by ?? `cli:${userInfo().username}`;
const [command, id] = positionals;

try {
  if (command === "create" && values.name && values.role) {
    const { key, row } = await createApiKey(db, {
      name: values.name,
      holder: values.holder,
      role: values.role,
      taskRoles: values["task-roles"],
      workflows: values.workflows,
      createdBy: by,
    });
    console.log(`created ${describe(row)}`);
    console.log(`key (shown once; send it as Authorization: Bearer <key>):\n${key}`);
  } else if (command === "list") {
    const rows = await listApiKeys(db);
    console.log(rows.length === 0 ? "no API keys yet" : rows.map(describe).join("\n"));
  } else if (command === "revoke" && id) {
    if (!(await revokeApiKey(db, id, by))) {
      console.error(`no active key ${id}`);
      process.exit(1);
    }
    console.log(`revoked ${id}: refused from its next call on`);
  } else {
    console.error(USAGE);
    process.exit(2);
  }
} catch (error) {
  if (error instanceof ApiKeyError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
