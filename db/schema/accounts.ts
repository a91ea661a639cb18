/**
 * Who may do what: the dashboard's people and their sessions, the sign-in rate limit, and the case API's keys.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const DASHBOARD_ROLES = ["viewer", "operator", "admin"] as const;
export type DashboardRole = (typeof DASHBOARD_ROLES)[number];

/** Local dashboard accounts. Passwords are stored as scrypt hashes (`scrypt$N$r$p$salt$hash`, base64). */
export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  username: text("username").notNull().unique(),
  passwordHash: text("password_hash").notNull(),
  role: text("role", { enum: DASHBOARD_ROLES }).notNull(),
  /** Extra roles a workflow's task may require (e.g. `compliance`), sent with the person's decisions. */
  taskRoles: text("task_roles", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
  createdAt: integer("created_at").notNull(),
  disabledAt: integer("disabled_at"),
});

/** Signed-in sessions; the cookie holds a random token, the table only its SHA-256. */
export const sessions = sqliteTable(
  "sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/** Failed sign-ins per key (username and client address) in the current window, for the login rate limit. */
export const loginAttempts = sqliteTable("login_attempts", {
  key: text("key").primaryKey(),
  windowStart: integer("window_start").notNull(),
  failures: integer("failures").notNull(),
});

/**
 * API keys for the case API, one per caller (a script, another system, a person's tool). The key itself is shown
 * once at creation; the table keeps only its SHA-256 (a 256-bit random secret needs no slow hash). A key acts as
 * its holder with its role, optionally only on some workflows; a revoked key is refused on its next call.
 */
export const apiKeys = sqliteTable("api_keys", {
  /** Public part of the key (`cfk_<id>_<secret>`), used to find the row. */
  id: text("id").primaryKey(),
  /** What the key is for, e.g. `zendesk macros`. */
  name: text("name").notNull(),
  /** Who the key acts as: decisions sent with it are that holder's. */
  holder: text("holder").notNull(),
  role: text("role", { enum: DASHBOARD_ROLES }).notNull(),
  /** Extra roles a workflow's task may require (e.g. `compliance`), as a person's account holds them. */
  taskRoles: text("task_roles", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
  /** The workflows the key may touch; null: all of them. */
  workflows: text("workflows", { mode: "json" }).$type<string[] | null>(),
  secretHash: text("secret_hash").notNull(),
  createdBy: text("created_by").notNull(),
  createdAt: integer("created_at").notNull(),
  lastUsedAt: integer("last_used_at"),
  revokedAt: integer("revoked_at"),
  revokedBy: text("revoked_by"),
});
