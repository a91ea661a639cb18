import { requireRole } from "$lib/server/auth/guard";
import { metricsDb } from "$lib/server/db";
import { overview, PERIODS, periodOf } from "$lib/server/kpis";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals, url }) => {
  requireRole(locals, "viewer");
  const period = periodOf(url);
  return { cards: await overview(metricsDb(), period), period, periods: PERIODS, loadedAt: Date.now() };
};
