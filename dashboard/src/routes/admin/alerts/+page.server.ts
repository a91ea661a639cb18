import { fail } from "@sveltejs/kit";
import {
  AlertRuleInput,
  addAlertRule,
  deleteAlertRule,
  listAlertRules,
  recentAlertNotices,
  setAlertRuleEnabled,
} from "$db/alerts.ts";
import { ALERT_CHANNELS, ALERT_METRICS } from "$db/schema.ts";
import { requireRole } from "$lib/server/auth/guard";
import { metricsDb } from "$lib/server/db";
import { CATALOGUE } from "$workers/workflows/catalogue.ts";
import type { Actions, PageServerLoad } from "./$types";

/** The admins' alert rules with their state, the newest notices, and what a new rule may name. */
export const load: PageServerLoad = async ({ locals }) => {
  requireRole(locals, "admin");
  const db = metricsDb();
  const [rules, notices] = await Promise.all([listAlertRules(db), recentAlertNotices(db, 30)]);
  return {
    rules,
    notices,
    workflows: [...new Set(CATALOGUE.map((w) => w.id))].sort(),
    metrics: ALERT_METRICS,
    channels: ALERT_CHANNELS,
  };
};

const text = (form: FormData, name: string) => String(form.get(name) ?? "").trim();

export const actions: Actions = {
  add: async ({ locals, request }) => {
    const me = requireRole(locals, "admin");
    const form = await request.formData();
    const metric = text(form, "metric");
    const rawThreshold = Number(text(form, "threshold"));
    const input = {
      workflowId: text(form, "workflowId"),
      metric,
      // Rates are typed in percent and stored as fractions; SLA breaches as a count.
      threshold: metric === "sla_breached" ? rawThreshold : rawThreshold / 100,
      windowMinutes: Number(text(form, "windowMinutes")),
      minCases: Number(text(form, "minCases") || "1"),
      channel: text(form, "channel"),
      target: text(form, "target"),
      createdBy: me.username,
    };
    const parsed = AlertRuleInput.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return fail(400, { action: "add", ok: false, message: `Not added: ${issue?.path.join(".")} ${issue?.message}.` });
    }
    const rule = await addAlertRule(metricsDb(), parsed.data);
    return { action: "add", ok: true, message: `Added rule ${rule.id}: checked every minute from now on.` };
  },
  toggle: async ({ locals, request }) => {
    requireRole(locals, "admin");
    const form = await request.formData();
    const id = Number(text(form, "id"));
    const enabled = text(form, "enabled") === "true";
    if (!(await setAlertRuleEnabled(metricsDb(), id, enabled)))
      return fail(404, { action: "toggle", ok: false, id, message: `There is no rule ${id}.` });
    return {
      action: "toggle",
      ok: true,
      id,
      message: enabled ? "Switched on." : "Switched off: it tells nobody until switched on.",
    };
  },
  remove: async ({ locals, request }) => {
    requireRole(locals, "admin");
    const id = Number(text(await request.formData(), "id"));
    if (!(await deleteAlertRule(metricsDb(), id)))
      return fail(404, { action: "remove", ok: false, id, message: `There is no rule ${id}.` });
    return { action: "remove", ok: true, id, message: `Removed rule ${id}.` };
  },
};
