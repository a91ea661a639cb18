/**
 * Local dashboard accounts: scrypt password hashes, sessions whose cookie holds a random token (the database only
 * its SHA-256), and a login rate limit per username and client address. Plain TypeScript over node:crypto, so the
 * dashboard server, `npm start`, `npm run users:create` and the tests share it.
 */
export { DASHBOARD_ROLES, type DashboardRole } from "../../../../../db/schema.ts";
export {
  generatePassword,
  hashPassword,
  MIN_PASSWORD_LENGTH,
  MIN_PASSWORD_SCORE,
  passwordProblem,
  verifyPassword,
} from "./passwords.ts";
export { createSession, deleteSession, lookupSession, pruneSessions, SESSION_TTL_MS } from "./sessions.ts";
export {
  LOGIN_MAX_FAILURES,
  LOGIN_MAX_FAILURES_PER_ADDRESS,
  LOGIN_WINDOW_MS,
  type SignInResult,
  signIn,
} from "./sign-in.ts";
export { AccountError, normalizeUsername, parseTaskRoles } from "./usernames.ts";
export { type Account, type AccountRow, createUser, ensureFirstAdmin, listUsers, setUserDisabled } from "./users.ts";
