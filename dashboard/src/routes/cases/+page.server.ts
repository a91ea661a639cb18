import { requireRole } from "$lib/server/auth/guard";
import { COUNTED, filterOptions, listCases, parseFilters } from "$lib/server/case-list";
import { metricsDb } from "$lib/server/db";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals, url }) => {
  requireRole(locals, "viewer");
  const { filters, invalid } = parseFilters(url.searchParams);
  const db = metricsDb();
  const [page, options] = await Promise.all([listCases(db, filters), filterOptions(db)]);
  const counted = Object.entries(COUNTED).map(([value, c]) => ({ value, label: c.label }));
  return { page, options: { ...options, counted }, filters, invalid, loadedAt: Date.now() };
};
