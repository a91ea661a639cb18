/** Signed-in sessions: the cookie holds a random token, the table only its SHA-256; 12 h sliding. */
import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNull, lt } from "drizzle-orm";
// Relative paths, not the dashboard's `$db` alias: `npm start`, `npm run users:create` and the tests load this module
// outside Vite too.
import type { MetricsDatabase } from "../../../../../db/client.ts";
import { sessions, users } from "../../../../../db/schema.ts";
import type { Account } from "./users.ts";

/** A session lasts 12 h after its last use (sliding), renewed at most every 5 minutes to spare the writes. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const SESSION_RENEW_AFTER_MS = 5 * 60 * 1000;

export const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * A new session for `userId`: the token goes in the cookie and is never stored; the table keeps its SHA-256.
 * @example
 * const { token, expiresAt } = await createSession(db, user.id);
 * cookies.set(SESSION_COOKIE, token, { expires: new Date(expiresAt), ... });
 */
export async function createSession(
  db: MetricsDatabase,
  userId: string,
  now = Date.now(),
): Promise<{ token: string; expiresAt: number }> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = now + SESSION_TTL_MS;
  await db.insert(sessions).values({ tokenHash: sha256Hex(token), userId, createdAt: now, expiresAt });
  return { token, expiresAt };
}

/**
 * The account behind a session token, if the session is live and the account enabled; a session used again is
 * extended to 12 h from now (`renewedUntil` says so, for the cookie).
 */
export async function lookupSession(
  db: MetricsDatabase,
  token: string,
  now = Date.now(),
): Promise<{ user: Account; expiresAt: number; renewedUntil: number | null } | null> {
  if (!token || token.length > 200) return null;
  const tokenHash = sha256Hex(token);
  const [row] = await db
    .select({
      id: users.id,
      username: users.username,
      role: users.role,
      taskRoles: users.taskRoles,
      expiresAt: sessions.expiresAt,
    })
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
  await db.delete(sessions).where(eq(sessions.tokenHash, sha256Hex(token)));
}

/** Drops sessions that ended before `now` (called on sign-in, so the table does not grow without bound). */
export async function pruneSessions(db: MetricsDatabase, now = Date.now()): Promise<void> {
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
}
