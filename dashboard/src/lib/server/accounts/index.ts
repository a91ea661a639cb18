/**
 * Local dashboard accounts: scrypt password hashes, sessions whose cookie holds a random token (the database only
 * its SHA-256), and a login rate limit per username and client address. Plain TypeScript over node:crypto, so the
 * dashboard server, `npm start`, `npm run users:create` and the tests share it.
 */
export { DASHBOARD_ROLES, type DashboardRole } from "../../../../../db/schema.ts";
export { AccountError, normalizeUsername, parseTaskRoles } from "./usernames.ts";
export {
  hashPassword,
  verifyPassword,
  passwordProblem,
  generatePassword,
  MIN_PASSWORD_LENGTH,
  MIN_PASSWORD_SCORE,
} from "./passwords.ts";
export { createUser, ensureFirstAdmin, listUsers, setUserDisabled, type Account, type AccountRow } from "./users.ts";
export { createSession, lookupSession, deleteSession, pruneSessions, SESSION_TTL_MS } from "./sessions.ts";
export {
  signIn,
  LOGIN_MAX_FAILURES,
  LOGIN_WINDOW_MS,
  LOGIN_MAX_FAILURES_PER_ADDRESS,
  type SignInResult,
} from "./sign-in.ts";
