import { error } from "@sveltejs/kit";
import { satisfactionByPolicyVersion, satisfactionFiguresOf, satisfactionFromRollups } from "$db/kpi/index.ts";
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
  const [detail, manual, surveys, surveysByPolicy] = await Promise.all([
    workflowDetail(metricsDb(), params.id, period, version),
    againstManual(metricsDb(), params.id, period, version),
    // Customer satisfaction per version of the period's cases (satisfaction_rollups); empty when none was asked.
    satisfactionFromRollups(metricsDb(), { ...period, workflowId: params.id, version }),
    satisfactionByPolicyVersion(metricsDb(), { ...period, workflowId: params.id, version }),
  ]);
  if (!detail) error(404, `No workflow "${params.id}": it is not deployed and has no cases.`);
  const satisfaction = surveys.map((t) => ({ version: t.version, figures: satisfactionFiguresOf(t) }));
  // Split by the policy versions the cases decided under only when some read one.
  const satisfactionByPolicy = surveysByPolicy.some((p) => p.policies !== null) ? surveysByPolicy : [];
  return {
    detail,
    manual,
    satisfaction,
    satisfactionByPolicy,
    period,
    periods: PERIODS,
    version: version ?? null,
    loadedAt: Date.now(),
  };
};
