/**
 * Role checks for server code. `hooks.server.ts` has already refused anyone not signed in, so a missing user here
 * is a bug in the route (or a public route calling it) and is refused all the same.
 */
import { error } from "@sveltejs/kit";

export type Role = "viewer" | "operator" | "admin";
export type SignedInUser = NonNullable<App.Locals["user"]>;

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether `user` holds `role` or a higher one (viewer < operator < admin). */
export function hasRole(user: App.Locals["user"], role: Role): boolean {
  return !!user && RANK[user.role] >= RANK[role];
}

/**
 * The signed-in user when they hold `role` or a higher one; otherwise a 403 naming the role.
 * @example
 * export const load: PageServerLoad = async ({ locals }) => {
 *   const user = requireRole(locals, "operator");
 *   ...
 * };
 */
export function requireRole(locals: App.Locals, role: Role): SignedInUser {
  const user = locals.user;
  if (!user) error(401, "Sign in to continue.");
  if (!hasRole(user, role)) {
    error(403, { message: `This needs the ${role} role; you are signed in as ${user.username} (${user.role}).`, role });
  }
  return user;
}
