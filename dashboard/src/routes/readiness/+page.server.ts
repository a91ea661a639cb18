import { fail } from "@sveltejs/kit";
import { sql } from "drizzle-orm";
import { DEFAULT_THRESHOLDS, type ReadinessThresholds, thresholdsFrom } from "$db/kpi/readiness.ts";
import { readinessThresholds } from "$db/schema.ts";
import { hasRole, requireRole } from "$lib/server/auth/guard";
import { metricsDb } from "$lib/server/db";
import { PERIODS, periodOf } from "$lib/server/kpis";
import { headline, readinessByVersion } from "$lib/server/readiness";
import type { Actions, PageServerLoad } from "./$types";

async function savedThresholds(): Promise<Map<string, ReadinessThresholds>> {
  const rows = await metricsDb().select().from(readinessThresholds);
  return new Map(rows.map((r) => [r.workflowId, thresholdsFrom(r.thresholds)]));
}

export const load: PageServerLoad = async ({ locals, url }) => {
  const user = requireRole(locals, "viewer");
  const period = periodOf(url);
  const saved = await savedThresholds();
  const defaults = saved.get("*") ?? DEFAULT_THRESHOLDS;
  const thresholdsOf = (workflowId: string) => saved.get(workflowId) ?? defaults;
  const cards = await readinessByVersion(metricsDb(), period, thresholdsOf);
  const workflows = cards.map((card) => ({
    ...card,
    headline: headline(card) ?? null,
    thresholds: thresholdsOf(card.workflowId),
    custom: saved.has(card.workflowId),
  }));
  return { workflows, defaults, period, periods: PERIODS, canEdit: hasRole(user, "admin"), loadedAt: Date.now() };
};

const FIELDS = ["minAutonomousRate", "maxEscalationRate", "maxErrorRate", "minCases"] as const;

export const actions: Actions = {
  /** An admin sets the thresholds for one workflow, or the default (`*`) for all. */
  save: async ({ locals, request }) => {
    const user = requireRole(locals, "admin");
    const form = await request.formData();
    const workflowId = String(form.get("workflowId") ?? "");
    if (!/^(\*|[a-z0-9][a-z0-9-]{0,99})$/.test(workflowId)) return fail(400, { error: "Unknown workflow." });
    const values: Record<string, number> = {};
    for (const field of FIELDS) {
      const raw = Number(form.get(field));
      // Rates are entered in percent, the case count as a number.
      const value = field === "minCases" ? raw : raw / 100;
      if (
        !Number.isFinite(raw) ||
        raw < 0 ||
        (field !== "minCases" && raw > 100) ||
        (field === "minCases" && !Number.isInteger(raw))
      ) {
        return fail(400, {
          error: `${field}: enter ${field === "minCases" ? "a whole number of cases" : "a percentage between 0 and 100"}.`,
          workflowId,
        });
      }
      values[field] = value;
    }
    await metricsDb()
      .insert(readinessThresholds)
      .values({ workflowId, thresholds: values, updatedBy: user.username, updatedAt: Date.now() })
      .onConflictDoUpdate({
        target: readinessThresholds.workflowId,
        set: { thresholds: values, updatedBy: user.username, updatedAt: sql`excluded.updated_at` },
      });
    return { saved: workflowId };
  },
};
