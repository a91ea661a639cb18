/**
 * `npm run users:create -- --username ana --role operator [--task-roles compliance,finance] [--password-stdin]`:
 * creates a dashboard account in the database at TURSO_DATABASE_URL (with TURSO_AUTH_TOKEN for Turso Cloud).
 * With `--password-stdin` the password is the first line of standard input; otherwise one is generated and printed once.
 */
import { parseArgs } from "node:util";
import {
  AccountError,
  createUser,
  DASHBOARD_ROLES,
  generatePassword,
} from "../dashboard/src/lib/server/accounts/index.ts";
import { openDatabase } from "../db/client.ts";

const { values } = parseArgs({
  options: {
    username: { type: "string" },
    role: { type: "string" },
    "task-roles": { type: "string" },
    "password-stdin": { type: "boolean", default: false },
  },
});

const url = process.env.TURSO_DATABASE_URL;
if (!url || !values.username || !values.role) {
  console.error(
    `usage: TURSO_DATABASE_URL=… [TURSO_AUTH_TOKEN=…] npm run users:create -- --username <name> --role <${DASHBOARD_ROLES.join("|")}> [--task-roles a,b] [--password-stdin]`,
  );
  process.exit(2);
}

async function readStdinLine(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return text.split(/\r?\n/)[0] ?? "";
}

const generated = !values["password-stdin"];
const password = generated ? generatePassword() : await readStdinLine();
try {
  const user = await createUser(openDatabase({ url, authToken: process.env.TURSO_AUTH_TOKEN }), {
    username: values.username,
    password,
    role: values.role,
    taskRoles: values["task-roles"],
  });
  console.log(
    `created ${user.role} "${user.username}"${user.taskRoles.length ? ` (task roles: ${user.taskRoles.join(", ")})` : ""}`,
  );
  if (generated) console.log(`password (shown once): ${password}`);
} catch (error) {
  if (error instanceof AccountError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
