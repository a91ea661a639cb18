import { redirect } from "@sveltejs/kit";
import { deleteSession } from "$lib/server/accounts/index.ts";
import { clearSessionCookie, SESSION_COOKIE } from "$lib/server/auth/session";
import { metricsDb } from "$lib/server/db";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => ({ username: locals.user?.username ?? null });

export const actions: Actions = {
  default: async ({ cookies, url }) => {
    const token = cookies.get(SESSION_COOKIE);
    if (token) await deleteSession(metricsDb(), token);
    clearSessionCookie(cookies, url);
    redirect(303, "/login");
  },
};
