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
/** 5 sign-in attempts per username and client address within 15 minutes are checked; further ones wait for the window to end. */
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** Failed sign-ins from one client address, over all usernames, within the same 15 minutes before it waits too. */
export const LOGIN_MAX_FAILURES_PER_ADDRESS = 30;
export const MIN_PASSWORD_LENGTH = 12;

/** A request the accounts module refuses (bad username, weak password, taken name): safe to show the person. */
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

/** zxcvbn's score (0–4) a new password must reach: 3 is "safely unguessable" (about 10^8 guesses or more). */
export const MIN_PASSWORD_SCORE = 3;

type PasswordChecker = (password: string, userInputs: string[]) => { score: number; feedback: { warning: string | null; suggestions: string[] } };
/** zxcvbn-ts with its common and English dictionaries, loaded on the first check (about 150 ms, a few MB) and kept. */
let checker: Promise<PasswordChecker> | undefined;

function loadChecker(): Promise<PasswordChecker> {
  if (!checker) {
    checker = (async () => {
      const [{ ZxcvbnFactory }, common, en] = await Promise.all([import("@zxcvbn-ts/core"), import("@zxcvbn-ts/language-common"), import("@zxcvbn-ts/language-en")]);
      const zxcvbn = new ZxcvbnFactory({ translations: en.translations, graphs: common.adjacencyGraphs, dictionary: { ...common.dictionary, ...en.dictionary } });
      return (password: string, userInputs: string[]) => zxcvbn.check(password, userInputs);
    })();
    // A failed load must not stick: the caller sees the error, and the next check tries again.
    checker.catch(() => (checker = undefined));
  }
  return checker;
}

/**
 * Why `password` is too weak for `username`, or null when it will do. The rules (README, Dashboard accounts):
 * at least 12 characters; not only whitespace; not containing the username; and a zxcvbn-ts score of at least 3,
 * with the username (and its parts) given to zxcvbn as the person's own words. A refusal carries zxcvbn's warning
 * and suggestions, so the person learns what to change.
 * @example
 * await passwordProblem("password1234", "ana"); // "That password is too easy to guess: This is similar to a commonly used password. …"
 */
export async function passwordProblem(password: string, username = ""): Promise<string | null> {
  if (password.length < MIN_PASSWORD_LENGTH) return `A password needs at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (!password.trim()) return "A password cannot be only spaces.";
  const lower = password.normalize("NFKC").toLowerCase();
  const name = normalizeUsername(username);
  const squash = (s: string) => s.replace(/[^\p{L}\p{N}]+/gu, "");
  if (name.length >= 3 && (lower.includes(name) || (squash(name).length >= 3 && squash(lower).includes(squash(name))))) {
    return "A password cannot contain the username.";
  }
  // The name and its parts (ana.lopez.2026 → ana, lopez, 2026) count as guessable words, also reversed or in leet.
  const userInputs = [...new Set([name, squash(name), ...name.split(/[^\p{L}\p{N}]+/u)].filter((part) => part.length >= 2))];
  const { score, feedback } = (await loadChecker())(password, userInputs);
  if (score >= MIN_PASSWORD_SCORE) return null;
  const advice = [feedback.warning, ...feedback.suggestions].filter(Boolean).join(" ");
  return `That password is too easy to guess: ${advice || "Add another word or two that are less common."} A few unrelated words work well.`;
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
  const weak = await passwordProblem(input.password, username);
  if (weak) throw new AccountError(weak);
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
  | { ok: false; reason: "rate_limited"; scope: "account" | "address"; retryAfterMs: number };

/** The rate-limit key: the username as typed (normalised) and the client address, hashed so the table holds neither. */
const attemptKey = (username: string, clientAddress: string) => sha256(`${normalizeUsername(username)}\n${clientAddress}`);
/** The key counting one address over all usernames (no newline, so it never equals a username's key). */
const addressKey = (clientAddress: string) => sha256(`address:${clientAddress.replace(/\n/g, " ")}`);

/** Counts an attempt under `key` in one statement and returns the count and its window (a window older than 15 minutes starts again at 1). */
async function countAttempt(db: MetricsDatabase, key: string, now: number): Promise<{ failures: number; windowStart: number }> {
  const expired = sql`${loginAttempts.windowStart} <= ${now - LOGIN_WINDOW_MS}`;
  const [counted] = await db
    .insert(loginAttempts)
    .values({ key, windowStart: now, failures: 1 })
    .onConflictDoUpdate({
      target: loginAttempts.key,
      set: {
        failures: sql`CASE WHEN ${expired} THEN 1 ELSE ${loginAttempts.failures} + 1 END`,
        windowStart: sql`CASE WHEN ${expired} THEN ${now} ELSE ${loginAttempts.windowStart} END`,
      },
    })
    .returning({ failures: loginAttempts.failures, windowStart: loginAttempts.windowStart });
  return counted!;
}

/**
 * Checks a sign-in and opens a session. Unknown user, disabled account and wrong password are one answer
 * (`invalid`), checked in the same time. Every attempt is counted before its password is checked, in one statement
 * that increments and returns the count for this username and address, so parallel attempts cannot all read a low
 * count: at most 5 are checked per 15 minutes, the rest are refused (`rate_limited`) until the window ends; one
 * address gets at most 30 failures over all usernames in the same time (`scope: "address"`). A
 * success takes back its own count and clears the earlier failures only if no other attempt was counted after it
 * began; failures made alongside it stay.
 * @example
 * const result = await signIn(db, { username, password, clientAddress: event.getClientAddress() });
 * if (result.ok) cookies.set(SESSION_COOKIE, result.token, ...);
 */
export async function signIn(db: MetricsDatabase, input: { username: string; password: string; clientAddress: string; now?: number }): Promise<SignInResult> {
  const now = input.now ?? Date.now();
  const key = attemptKey(input.username, input.clientAddress);
  // One statement each, so concurrent attempts all count before any password is checked.
  const { failures: attempt, windowStart } = await countAttempt(db, key, now);
  if (attempt > LOGIN_MAX_FAILURES) {
    return { ok: false, reason: "rate_limited", scope: "account", retryAfterMs: Math.max(0, windowStart + LOGIN_WINDOW_MS - now) };
  }
  const fromAddress = await countAttempt(db, addressKey(input.clientAddress), now);
  if (fromAddress.failures > LOGIN_MAX_FAILURES_PER_ADDRESS) {
    return { ok: false, reason: "rate_limited", scope: "address", retryAfterMs: Math.max(0, fromAddress.windowStart + LOGIN_WINDOW_MS - now) };
  }
  const [user] = await db.select().from(users).where(eq(users.username, normalizeUsername(input.username))).limit(1);
  decoy ??= hashPassword(generatePassword());
  const matches = await verifyPassword(input.password, user?.passwordHash ?? (await decoy));
  // A failure is already counted.
  if (!user || !matches || user.disabledAt !== null) return { ok: false, reason: "invalid" };
  // Nothing counted since this attempt: clear the window; otherwise only take back this attempt's own count.
  await db
    .update(loginAttempts)
    .set({ failures: sql`CASE WHEN ${loginAttempts.failures} = ${attempt} THEN 0 ELSE max(${loginAttempts.failures} - 1, 0) END` })
    .where(and(eq(loginAttempts.key, key), eq(loginAttempts.windowStart, windowStart)));
  // The address's count keeps other usernames' failures: take back only this attempt.
  await db
    .update(loginAttempts)
    .set({ failures: sql`max(${loginAttempts.failures} - 1, 0)` })
    .where(and(eq(loginAttempts.key, addressKey(input.clientAddress)), eq(loginAttempts.windowStart, fromAddress.windowStart)));
  await pruneSessions(db, now);
  const session = await createSession(db, user.id, now);
  return { ok: true, user: { id: user.id, username: user.username, role: user.role, taskRoles: user.taskRoles ?? [] }, ...session };
}
