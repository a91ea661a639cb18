/** What an account may be called and hold: usernames, roles, task roles; refusals are safe to show the person. */
import { DASHBOARD_ROLES, type DashboardRole } from "../../../../../db/schema.ts";

/** A request the accounts module refuses (bad username, weak password, taken name): safe to show the person. */
export class AccountError extends Error {
  override name = "AccountError";
}

/** Usernames are compared lower-cased and trimmed: `Ana` and `ana ` are the same person. */
export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

export function checkUsername(username: string): string {
  const name = normalizeUsername(username);
  if (!/^[a-z0-9][a-z0-9._@-]{0,63}$/.test(name)) {
    throw new AccountError(
      "A username is 1–64 characters: letters, digits and . _ @ -, starting with a letter or digit.",
    );
  }
  return name;
}

export function checkRole(role: string): DashboardRole {
  if (!(DASHBOARD_ROLES as readonly string[]).includes(role))
    throw new AccountError(`Unknown role "${role}": one of ${DASHBOARD_ROLES.join(", ")}.`);
  return role as DashboardRole;
}

/** Task roles as written in a form (`compliance, finance`) or a list: trimmed, lower-cased, de-duplicated. */
export function parseTaskRoles(input: string | string[] | undefined): string[] {
  const list = Array.isArray(input) ? input : (input ?? "").split(/[,\s]+/);
  const roles = [...new Set(list.map((r) => r.trim().toLowerCase()).filter(Boolean))];
  for (const role of roles)
    if (!/^[a-z0-9][a-z0-9_-]{0,39}$/.test(role))
      throw new AccountError(`Task role "${role}" may hold only letters, digits, - and _.`);
  return roles;
}
