/** Signing in: one answer for every refusal, checked in the same time, and a rate limit per username and address. */
import { and, eq, sql } from "drizzle-orm";
// Relative paths, not the dashboard's `$db` alias: `npm start`, `npm run users:create` and the tests load this module
// outside Vite too.
import type { MetricsDatabase } from "../../../../../db/client.ts";
import { loginAttempts, users } from "../../../../../db/schema.ts";
import { generatePassword, hashPassword, verifyPassword } from "./passwords.ts";
import { createSession, pruneSessions, sha256Hex } from "./sessions.ts";
import { normalizeUsername } from "./usernames.ts";
import type { Account } from "./users.ts";

/** 5 sign-in attempts per username and client address within 15 minutes are checked; further ones wait for the window to end. */
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** Failed sign-ins from one client address, over all usernames, within the same 15 minutes before it waits too. */
export const LOGIN_MAX_FAILURES_PER_ADDRESS = 30;

/** A hash to check against when the username is unknown, so both refusals take the same time. */
let decoy: Promise<string> | undefined;

export type SignInResult =
  | { ok: true; user: Account; token: string; expiresAt: number }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "rate_limited"; scope: "account" | "address"; retryAfterMs: number };

/** The rate-limit key: the username as typed (normalised) and the client address, hashed so the table holds neither. */
const attemptKey = (username: string, clientAddress: string) =>
  sha256Hex(`${normalizeUsername(username)}\n${clientAddress}`);
/** The key counting one address over all usernames (no newline, so it never equals a username's key). */
const addressKey = (clientAddress: string) => sha256Hex(`address:${clientAddress.replace(/\n/g, " ")}`);

/** Counts an attempt under `key` in one statement and returns the count and its window (a window older than 15 minutes starts again at 1). */
async function countAttempt(
  db: MetricsDatabase,
  key: string,
  now: number,
): Promise<{ failures: number; windowStart: number }> {
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
export async function signIn(
  db: MetricsDatabase,
  input: { username: string; password: string; clientAddress: string; now?: number },
): Promise<SignInResult> {
  const now = input.now ?? Date.now();
  const key = attemptKey(input.username, input.clientAddress);
  // One statement each, so concurrent attempts all count before any password is checked.
  const { failures: attempt, windowStart } = await countAttempt(db, key, now);
  if (attempt > LOGIN_MAX_FAILURES) {
    return {
      ok: false,
      reason: "rate_limited",
      scope: "account",
      retryAfterMs: Math.max(0, windowStart + LOGIN_WINDOW_MS - now),
    };
  }
  const fromAddress = await countAttempt(db, addressKey(input.clientAddress), now);
  if (fromAddress.failures > LOGIN_MAX_FAILURES_PER_ADDRESS) {
    return {
      ok: false,
      reason: "rate_limited",
      scope: "address",
      retryAfterMs: Math.max(0, fromAddress.windowStart + LOGIN_WINDOW_MS - now),
    };
  }
  const [user] = await db
    .select()
    .from(users)
    .where(eq(users.username, normalizeUsername(input.username)))
    .limit(1);
  decoy ??= hashPassword(generatePassword());
  const matches = await verifyPassword(input.password, user?.passwordHash ?? (await decoy));
  // A failure is already counted.
  if (!user || !matches || user.disabledAt !== null) return { ok: false, reason: "invalid" };
  // Nothing counted since this attempt: clear the window; otherwise only take back this attempt's own count.
  await db
    .update(loginAttempts)
    .set({
      failures: sql`CASE WHEN ${loginAttempts.failures} = ${attempt} THEN 0 ELSE max(${loginAttempts.failures} - 1, 0) END`,
    })
    .where(and(eq(loginAttempts.key, key), eq(loginAttempts.windowStart, windowStart)));
  // The address's count keeps other usernames' failures: take back only this attempt.
  await db
    .update(loginAttempts)
    .set({ failures: sql`max(${loginAttempts.failures} - 1, 0)` })
    .where(
      and(
        eq(loginAttempts.key, addressKey(input.clientAddress)),
        eq(loginAttempts.windowStart, fromAddress.windowStart),
      ),
    );
  await pruneSessions(db, now);
  const session = await createSession(db, user.id, now);
  return {
    ok: true,
    user: { id: user.id, username: user.username, role: user.role, taskRoles: user.taskRoles ?? [] },
    ...session,
  };
}
