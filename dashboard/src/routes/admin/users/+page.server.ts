import { fail } from "@sveltejs/kit";
import {
  AccountError,
  createUser,
  DASHBOARD_ROLES,
  generatePassword,
  listUsers,
  setUserDisabled,
} from "$lib/server/accounts/index.ts";
import { requireRole } from "$lib/server/auth/guard";
import { metricsDb } from "$lib/server/db";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  const me = requireRole(locals, "admin");
  return { users: await listUsers(metricsDb()), roles: DASHBOARD_ROLES, me: me.id };
};

async function setDisabled(locals: App.Locals, request: Request, disabled: boolean) {
  const me = requireRole(locals, "admin");
  const userId = String((await request.formData()).get("userId") ?? "");
  // An admin who disabled themselves could lock everyone out; another admin can do it if it is really meant.
  if (disabled && userId === me.id)
    return fail(400, { ok: false, action: "disable", message: "You cannot disable your own account." });
  if (!(await setUserDisabled(metricsDb(), userId, disabled)))
    return fail(404, { ok: false, action: "disable", message: "No such user." });
  return {
    ok: true,
    action: disabled ? "disable" : "enable",
    message: disabled ? "Account disabled; its sessions are ended." : "Account enabled.",
  };
}

export const actions: Actions = {
  create: async ({ locals, request }) => {
    requireRole(locals, "admin");
    const form = await request.formData();
    const username = String(form.get("username") ?? "");
    const role = String(form.get("role") ?? "");
    const taskRoles = String(form.get("taskRoles") ?? "");
    const typed = String(form.get("password") ?? "");
    const password = typed || generatePassword();
    try {
      const user = await createUser(metricsDb(), { username, password, role, taskRoles });
      return {
        ok: true,
        action: "create",
        message: `Created ${user.role} "${user.username}".`,
        generatedPassword: typed ? null : password,
        createdUsername: user.username,
      };
    } catch (error) {
      if (error instanceof AccountError)
        return fail(400, { ok: false, action: "create", message: error.message, username, role, taskRoles });
      throw error;
    }
  },
  disable: ({ locals, request }) => setDisabled(locals, request, true),
  enable: ({ locals, request }) => setDisabled(locals, request, false),
};
