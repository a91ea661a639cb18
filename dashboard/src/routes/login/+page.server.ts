import { fail, redirect } from "@sveltejs/kit";
import { signIn } from "$lib/server/accounts/index.ts";
import { safeNext, setSessionCookie } from "$lib/server/auth/session";
import { metricsDb } from "$lib/server/db";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals, url }) => {
  const next = safeNext(url.searchParams.get("next"), url.origin);
  if (locals.user) redirect(303, next);
  return { next };
};

export const actions: Actions = {
  default: async ({ request, cookies, url, getClientAddress }) => {
    const form = await request.formData();
    const username = String(form.get("username") ?? "");
    const password = String(form.get("password") ?? "");
    const next = safeNext(String(form.get("next") ?? ""), url.origin);
    if (!username.trim() || !password) return fail(400, { username, message: "Enter your username and password." });
    const result = await signIn(metricsDb(), { username, password, clientAddress: getClientAddress() });
    if (result.ok) {
      setSessionCookie(cookies, url, result.token, result.expiresAt);
      redirect(303, next);
    }
    if (result.reason === "rate_limited") {
      const minutes = Math.max(1, Math.ceil(result.retryAfterMs / 60_000));
      const from = result.scope === "address" ? "from this address" : "for this username";
      return fail(429, {
        username,
        message: `Too many failed sign-ins ${from}. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again.`,
      });
    }
    // One message for an unknown user, a disabled account and a wrong password: it says nothing about which.
    return fail(400, { username, message: "Wrong username or password." });
  },
};
