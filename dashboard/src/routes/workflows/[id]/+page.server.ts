import { error } from "@sveltejs/kit";
import { requireRole } from "$lib/server/auth/guard";
import { againstManual } from "$lib/server/baseline";
import { metricsDb } from "$lib/server/db";
import { PERIODS, periodOf, workflowDetail } from "$lib/server/kpis";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals, url, params }) => {
  requireRole(locals, "viewer");
  const period = periodOf(url);
  const rawVersion = url.searchParams.get("version");
  const version = rawVersion && /^\d{1,6}$/.test(rawVersion) ? Number(rawVersion) : undefined;
  const [detail, manual] = await Promise.all([
    workflowDetail(metricsDb(), params.id, period, version),
    againstManual(metricsDb(), params.id, period, version),
  ]);
  if (!detail) error(404, `No workflow "${params.id}": it is not deployed and has no cases.`);
  return { detail, manual, period, periods: PERIODS, version: version ?? null, loadedAt: Date.now() };
};
