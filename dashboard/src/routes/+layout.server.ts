import { metricsDb } from "$lib/server/db";
import { demoHistoryNotice } from "$lib/server/demo-history";
import type { LayoutServerLoad } from "./$types";

/**
 * Every page gets the signed-in person (or null on the sign-in page) for the header and role-aware controls, and,
 * for a signed-in person, whether the figures include the local demo history (the banner says so on every page).
 */
export const load: LayoutServerLoad = async ({ locals }) => ({
  user: locals.user,
  demoHistory: locals.user ? await demoHistoryNotice(metricsDb()) : null,
});
