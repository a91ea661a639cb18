import { requireRole } from "$lib/server/auth/guard";
import { filterOptions, listCases, parseFilters } from "$lib/server/case-list";
import { metricsDb } from "$lib/server/db";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals, url }) => {
  requireRole(locals, "viewer");
  const { filters, invalid } = parseFilters(url.searchParams);
  const db = metricsDb();
  const [page, options] = await Promise.all([listCases(db, filters), filterOptions(db)]);
  return { page, options, filters, invalid, loadedAt: Date.now() };
};
