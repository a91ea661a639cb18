/** Dashboard accounts: created (with the first admin on an empty database), listed, disabled. */
import { randomUUID } from "node:crypto";
import { asc, count, eq } from "drizzle-orm";
// Relative paths, not the dashboard's `$db` alias: `npm start`, `npm run users:create` and the tests load this module
// outside Vite too.
import type { MetricsDatabase } from "../../../../../db/client.ts";
import { type DashboardRole, sessions, users } from "../../../../../db/schema.ts";
import { generatePassword, hashPassword, passwordProblem } from "./passwords.ts";
import { AccountError, checkRole, checkUsername, parseTaskRoles } from "./usernames.ts";

export interface Account {
  id: string;
  username: string;
  role: DashboardRole;
  taskRoles: string[];
}

export interface AccountRow extends Account {
  createdAt: number;
  disabledAt: number | null;
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if (/UNIQUE constraint failed/i.test(String((e as Error).message ?? e))) return true;
  }
  return false;
}

/**
 * @example
 * await createUser(db, { username: "ana", password: "a long passphrase", role: "operator", taskRoles: ["compliance"] });
 */
export async function createUser(
  db: MetricsDatabase,
  input: {
    username: string;
    password: string;
    role: DashboardRole | string;
    taskRoles?: string[] | string;
    now?: number;
  },
): Promise<AccountRow> {
  const username = checkUsername(input.username);
  const role = checkRole(input.role);
  const taskRoles = parseTaskRoles(input.taskRoles);
  const weak = await passwordProblem(input.password, username);
  if (weak) throw new AccountError(weak);
  const row = {
    id: randomUUID(),
    username,
    passwordHash: await hashPassword(input.password),
    role,
    taskRoles,
    createdAt: input.now ?? Date.now(),
    disabledAt: null,
  };
  try {
    await db.insert(users).values(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new AccountError(`The username "${username}" is taken.`, { cause: error });
    throw error;
  }
  return { id: row.id, username, role, taskRoles, createdAt: row.createdAt, disabledAt: null };
}

/**
 * The first admin, when the database has no account yet: `{ username: "admin", password }` with a random password
 * to print once; otherwise null. Two starts racing both see no users, and the unique username lets one win.
 * @example
 * const first = await ensureFirstAdmin(db);
 * if (first) console.log(`Sign in as ${first.username} / ${first.password}`);
 */
export async function ensureFirstAdmin(db: MetricsDatabase): Promise<{ username: string; password: string } | null> {
  const [{ n }] = (await db.select({ n: count() }).from(users)) as [{ n: number }];
  if (Number(n) > 0) return null;
  const password = generatePassword();
  try {
    await createUser(db, { username: "admin", password, role: "admin" });
  } catch (error) {
    if (error instanceof AccountError && /taken/.test(error.message)) return null;
    throw error;
  }
  return { username: "admin", password };
}

export async function listUsers(db: MetricsDatabase): Promise<AccountRow[]> {
  const rows = await db.select().from(users).orderBy(asc(users.username));
  return rows.map((u) => ({
    id: u.id,
    username: u.username,
    role: u.role,
    taskRoles: u.taskRoles ?? [],
    createdAt: u.createdAt,
    disabledAt: u.disabledAt,
  }));
}

/** Disables (or re-enables) an account; disabling also ends all its sessions. Returns whether the user exists. */
export async function setUserDisabled(
  db: MetricsDatabase,
  userId: string,
  disabled: boolean,
  now = Date.now(),
): Promise<boolean> {
  const updated = await db
    .update(users)
    .set({ disabledAt: disabled ? now : null })
    .where(eq(users.id, userId))
    .returning({ id: users.id });
  if (disabled) await db.delete(sessions).where(eq(sessions.userId, userId));
  return updated.length > 0;
}
