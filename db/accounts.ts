/**
 * Local dashboard accounts: scrypt password hashes, sessions whose cookie holds a random token (the database only
 * its SHA-256), and a login rate limit per username and client address. Plain TypeScript over node:crypto, so the
 * dashboard server, `npm start`, `npm run users:create` and the tests share it.
 */
import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { and, asc, count, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { MetricsDatabase } from "./client.ts";
import { DASHBOARD_ROLES, loginAttempts, sessions, users, type DashboardRole } from "./schema.ts";

export { DASHBOARD_ROLES, type DashboardRole } from "./schema.ts";

/** scrypt cost: N=2^15, r=8, p=1 needs 32 MiB per hash (OWASP's minimum for scrypt). */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** A session lasts 12 h after its last use (sliding), renewed at most every 5 minutes to spare the writes. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const SESSION_RENEW_AFTER_MS = 5 * 60 * 1000;
/** 5 failed sign-ins per username and client address within 15 minutes lock that pair until the window ends. */
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
export const MIN_PASSWORD_LENGTH = 12;

/** A request the accounts module refuses (bad username, short password, taken name): safe to show the person. */
export class AccountError extends Error {
  override name = "AccountError";
}

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

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is exactly that, so leave room above it.
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/**
 * @example
 * const stored = await hashPassword("correct horse battery staple"); // "scrypt$32768$8$1$<salt>$<hash>"
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, SCRYPT);
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64"), key.toString("base64")].join("$");
}

/**
 * Whether `password` matches a `scrypt$N$r$p$salt$hash` string; a malformed or weaker-than-sane one never matches.
 * @example
 * if (await verifyPassword(form.password, user.passwordHash)) signIn();
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  // Parameters come from our own table, but bound them so a corrupted row cannot make us allocate gigabytes.
  if (![N, r, p].every(Number.isSafeInteger) || N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, "base64");
  const expected = Buffer.from(parts[5]!, "base64");
  if (salt.length === 0 || expected.length !== KEY_LENGTH) return false;
  const actual = await derive(password, salt, { N, r, p });
  return timingSafeEqual(actual, expected);
}

/** A hash to check against when the username is unknown, so both refusals take the same time. */
let decoy: Promise<string> | undefined;

/** Usernames are compared lower-cased and trimmed: `Ana` and `ana ` are the same person. */
export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

function checkUsername(username: string): string {
  const name = normalizeUsername(username);
  if (!/^[a-z0-9][a-z0-9._@-]{0,63}$/.test(name)) {
    throw new AccountError("A username is 1–64 characters: letters, digits and . _ @ -, starting with a letter or digit.");
  }
  return name;
}

function checkRole(role: string): DashboardRole {
  if (!(DASHBOARD_ROLES as readonly string[]).includes(role)) throw new AccountError(`Unknown role "${role}": one of ${DASHBOARD_ROLES.join(", ")}.`);
  return role as DashboardRole;
}

/** Task roles as written in a form (`compliance, finance`) or a list: trimmed, lower-cased, de-duplicated. */
export function parseTaskRoles(input: string | string[] | undefined): string[] {
  const list = Array.isArray(input) ? input : (input ?? "").split(/[,\s]+/);
  const roles = [...new Set(list.map((r) => r.trim().toLowerCase()).filter(Boolean))];
  for (const role of roles) if (!/^[a-z0-9][a-z0-9_-]{0,39}$/.test(role)) throw new AccountError(`Task role "${role}" may hold only letters, digits, - and _.`);
  return roles;
}

/** A random password of 24 characters (18 random bytes, base64url). */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
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
  input: { username: string; password: string; role: DashboardRole | string; taskRoles?: string[] | string; now?: number },
): Promise<AccountRow> {
  const username = checkUsername(input.username);
  const role = checkRole(input.role);
  const taskRoles = parseTaskRoles(input.taskRoles);
  if (input.password.length < MIN_PASSWORD_LENGTH) throw new AccountError(`A password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
  const row = { id: randomUUID(), username, passwordHash: await hashPassword(input.password), role, taskRoles, createdAt: input.now ?? Date.now(), disabledAt: null };
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
  return rows.map((u) => ({ id: u.id, username: u.username, role: u.role, taskRoles: u.taskRoles ?? [], createdAt: u.createdAt, disabledAt: u.disabledAt }));
}

/** Disables (or re-enables) an account; disabling also ends all its sessions. Returns whether the user exists. */
export async function setUserDisabled(db: MetricsDatabase, userId: string, disabled: boolean, now = Date.now()): Promise<boolean> {
  const updated = await db.update(users).set({ disabledAt: disabled ? now : null }).where(eq(users.id, userId)).returning({ id: users.id });
  if (disabled) await db.delete(sessions).where(eq(sessions.userId, userId));
  return updated.length > 0;
}

const sha256 = (token: string) => createHash("sha256").update(token).digest("hex");

/**
 * A new session for `userId`: the token goes in the cookie and is never stored; the table keeps its SHA-256.
 * @example
 * const { token, expiresAt } = await createSession(db, user.id);
 * cookies.set(SESSION_COOKIE, token, { expires: new Date(expiresAt), ... });
 */
export async function createSession(db: MetricsDatabase, userId: string, now = Date.now()): Promise<{ token: string; expiresAt: number }> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = now + SESSION_TTL_MS;
  await db.insert(sessions).values({ tokenHash: sha256(token), userId, createdAt: now, expiresAt });
  return { token, expiresAt };
}

/**
 * The account behind a session token, if the session is live and the account enabled; a session used again is
 * extended to 12 h from now (`renewedUntil` says so, for the cookie).
 */
export async function lookupSession(db: MetricsDatabase, token: string, now = Date.now()): Promise<{ user: Account; expiresAt: number; renewedUntil: number | null } | null> {
  if (!token || token.length > 200) return null;
  const tokenHash = sha256(token);
  const [row] = await db
    .select({ id: users.id, username: users.username, role: users.role, taskRoles: users.taskRoles, expiresAt: sessions.expiresAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now), isNull(users.disabledAt)))
    .limit(1);
  if (!row) return null;
  let renewedUntil: number | null = null;
  if (now + SESSION_TTL_MS - row.expiresAt > SESSION_RENEW_AFTER_MS) {
    renewedUntil = now + SESSION_TTL_MS;
    await db.update(sessions).set({ expiresAt: renewedUntil }).where(eq(sessions.tokenHash, tokenHash));
  }
  const user = { id: row.id, username: row.username, role: row.role, taskRoles: row.taskRoles ?? [] };
  return { user, expiresAt: renewedUntil ?? row.expiresAt, renewedUntil };
}

export async function deleteSession(db: MetricsDatabase, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, sha256(token)));
}

/** Drops sessions that ended before `now` (called on sign-in, so the table does not grow without bound). */
export async function pruneSessions(db: MetricsDatabase, now = Date.now()): Promise<void> {
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
}

export type SignInResult =
  | { ok: true; user: Account; token: string; expiresAt: number }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "rate_limited"; retryAfterMs: number };

/** The rate-limit key: the username as typed (normalised) and the client address, hashed so the table holds neither. */
const attemptKey = (username: string, clientAddress: string) => sha256(`${normalizeUsername(username)}\n${clientAddress}`);

/**
 * Checks a sign-in and opens a session. Unknown user, disabled account and wrong password are one answer
 * (`invalid`), checked in the same time; after 5 failures for this username from this address within 15 minutes,
 * the pair is refused (`rate_limited`) without checking the password until the window ends.
 * @example
 * const result = await signIn(db, { username, password, clientAddress: event.getClientAddress() });
 * if (result.ok) cookies.set(SESSION_COOKIE, result.token, ...);
 */
export async function signIn(db: MetricsDatabase, input: { username: string; password: string; clientAddress: string; now?: number }): Promise<SignInResult> {
  const now = input.now ?? Date.now();
  const key = attemptKey(input.username, input.clientAddress);
  const [attempts] = await db.select().from(loginAttempts).where(eq(loginAttempts.key, key)).limit(1);
  if (attempts && attempts.windowStart > now - LOGIN_WINDOW_MS && attempts.failures >= LOGIN_MAX_FAILURES) {
    return { ok: false, reason: "rate_limited", retryAfterMs: attempts.windowStart + LOGIN_WINDOW_MS - now };
  }
  const [user] = await db.select().from(users).where(eq(users.username, normalizeUsername(input.username))).limit(1);
  decoy ??= hashPassword(generatePassword());
  const matches = await verifyPassword(input.password, user?.passwordHash ?? (await decoy));
  if (!user || !matches || user.disabledAt !== null) {
    // One statement, so concurrent failures all count: a window older than 15 minutes starts again at 1.
    const expired = sql`${loginAttempts.windowStart} <= ${now - LOGIN_WINDOW_MS}`;
    await db
      .insert(loginAttempts)
      .values({ key, windowStart: now, failures: 1 })
      .onConflictDoUpdate({
        target: loginAttempts.key,
        set: {
          failures: sql`CASE WHEN ${expired} THEN 1 ELSE ${loginAttempts.failures} + 1 END`,
          windowStart: sql`CASE WHEN ${expired} THEN ${now} ELSE ${loginAttempts.windowStart} END`,
        },
      });
    return { ok: false, reason: "invalid" };
  }
  if (attempts) await db.delete(loginAttempts).where(eq(loginAttempts.key, key));
  await pruneSessions(db, now);
  const session = await createSession(db, user.id, now);
  return { ok: true, user: { id: user.id, username: user.username, role: user.role, taskRoles: user.taskRoles ?? [] }, ...session };
}
