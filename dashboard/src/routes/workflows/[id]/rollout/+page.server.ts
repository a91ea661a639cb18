import { error, fail, redirect } from "@sveltejs/kit";
import { GUARD_LABELS, GUARD_METRICS } from "$db/rollouts/policy.ts";
import { hasRole, requireRole } from "$lib/server/auth/guard";
import { CaseApiError } from "$lib/server/case-api";
import {
  type AutonomyView,
  getAutonomy,
  getRollout,
  getShadowRun,
  listShadowRuns,
  postAutonomyDecision,
  postRolloutAction,
  putRolloutPolicy,
  type RolloutActionRequest,
  startShadowRun,
} from "$lib/server/rollout-api";
import { changeFields, guardUnit, policyFromForm } from "$lib/server/rollout-form";
import type { Actions, PageServerLoad, RequestEvent } from "./$types";

/** What a refused change says on the page: the API's own message, the stale revision as what to do about it. */
function refusedChange(refused: unknown, form: string) {
  if (!(refused instanceof CaseApiError)) throw refused;
  const message =
    refused.code === "stale_revision"
      ? "The policy changed meanwhile — reload the page to see the change, then try again."
      : refused.status === 0
        ? `The worker could not be asked: ${refused.message}.`
        : refused.message;
  const status = refused.status >= 400 && refused.status < 500 ? refused.status : 502;
  return fail(status, { form, error: message, code: refused.code });
}

/** A section the worker could not answer for: the page says so plainly and shows the rest. */
type Section<T> = { ok: true; value: T } | { ok: false; error: string };

async function section<T>(read: () => Promise<T>): Promise<Section<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (e) {
    if (e instanceof CaseApiError) return { ok: false, error: e.message };
    throw e;
  }
}

export const load: PageServerLoad = async ({ locals, params, url }) => {
  const user = requireRole(locals, "viewer");
  let rollout: Awaited<ReturnType<typeof getRollout>>;
  try {
    rollout = await getRollout(params.id);
  } catch (e) {
    if (e instanceof CaseApiError)
      error(e.status === 403 ? 403 : 502, `The worker could not tell the rollout: ${e.message}`);
    throw e;
  }
  if (!rollout) error(404, `No workflow "${params.id}" is deployed: it has no rollout.`);
  const reportId = url.searchParams.get("report");
  const [autonomy, shadowReports, openedReport] = await Promise.all([
    section<AutonomyView | null>(() => getAutonomy(params.id)),
    section(async () => (await listShadowRuns(params.id)).reports),
    reportId ? section(() => getShadowRun(params.id, reportId)) : null,
  ]);
  return {
    workflowId: params.id,
    rollout,
    autonomy,
    shadowReports,
    openedReport,
    guardMetrics: GUARD_METRICS.map((metric) => ({ metric, label: GUARD_LABELS[metric], unit: guardUnit(metric) })),
    canAct: hasRole(user, "admin"),
    loadedAt: Date.now(),
  };
};

/** Halt, promote, resume or set share: the same checks, one API call. */
function rolloutAction(action: RolloutActionRequest["action"]) {
  return async ({ locals, params, request }: RequestEvent) => {
    const user = requireRole(locals, "admin");
    const form = await request.formData();
    const fields = changeFields(form);
    if (typeof fields === "string") return fail(400, { form: "act", error: fields });
    const body: RolloutActionRequest = { action, actor: user.username, ...fields };
    if (action === "set-share") {
      const percent = Number(String(form.get("percent") ?? "").trim() || Number.NaN);
      if (!Number.isFinite(percent) || percent < 0 || percent > 100)
        return fail(400, {
          form: "act",
          error: "Set share: enter the candidate's share as a percentage from 0 to 100.",
        });
      body.percent = Math.round(percent * 100) / 100;
    }
    try {
      await postRolloutAction(params.id, body);
    } catch (e) {
      return refusedChange(e, "act");
    }
    const done = {
      halt: "Halted.",
      promote: "Promoted.",
      resume: "Resumed.",
      "set-share": `Share set to ${body.percent} %.`,
    };
    return { form: "act", done: done[action] };
  };
}

export const actions: Actions = {
  halt: rolloutAction("halt"),
  promote: rolloutAction("promote"),
  share: rolloutAction("set-share"),
  resume: rolloutAction("resume"),

  /** Creates or replaces the whole policy. */
  policy: async ({ locals, params, request }) => {
    const user = requireRole(locals, "admin");
    const form = await request.formData();
    const fields = changeFields(form);
    if (typeof fields === "string") return fail(400, { form: "policy", error: fields });
    // The versions and the policy in force come from the worker, never from the form.
    let current: Awaited<ReturnType<typeof getRollout>>;
    try {
      current = await getRollout(params.id);
    } catch (e) {
      return refusedChange(e, "policy");
    }
    if (!current) return fail(404, { form: "policy", error: `No workflow "${params.id}" is deployed.` });
    const parsed = policyFromForm(form, current.versions, current.policy);
    if ("error" in parsed) return fail(400, { form: "policy", error: parsed.error });
    try {
      await putRolloutPolicy(params.id, { policy: parsed.policy, actor: user.username, ...fields });
    } catch (e) {
      return refusedChange(e, "policy");
    }
    return { form: "policy", done: "Policy saved." };
  },

  /** Runs a candidate over recorded cases in the worker's sandbox, then opens its report. */
  shadow: async ({ locals, params, request }) => {
    const user = requireRole(locals, "admin");
    const form = await request.formData();
    const candidate = Number(form.get("candidate"));
    const cases = Number(form.get("cases") || 200);
    const since = String(form.get("since") ?? "").trim();
    if (!Number.isInteger(candidate) || candidate < 1)
      return fail(400, { form: "shadow", error: "Choose the candidate version to try." });
    if (!Number.isInteger(cases) || cases < 1 || cases > 500)
      return fail(400, { form: "shadow", error: "Newest cases: a whole number from 1 to 500." });
    if (since && !/^\d{4}-\d{2}-\d{2}$/.test(since))
      return fail(400, { form: "shadow", error: "Opened since: a date such as 2026-11-30." });
    let id: string;
    try {
      ({ id } = await startShadowRun(params.id, {
        candidate,
        cases,
        ...(since ? { since } : {}),
        actor: user.username,
      }));
    } catch (e) {
      return refusedChange(e, "shadow");
    }
    redirect(
      303,
      `/workflows/${encodeURIComponent(params.id)}/rollout?report=${encodeURIComponent(id)}#shadow-heading`,
    );
  },

  /** Promotes an action to its proposed autonomy level, or demotes it one rung. */
  autonomy: async ({ locals, params, request }) => {
    const user = requireRole(locals, "admin");
    const form = await request.formData();
    const action = String(form.get("action") ?? "");
    const decision = String(form.get("decision") ?? "");
    const where = `autonomy:${action}`;
    if (decision !== "promote" && decision !== "demote")
      return fail(400, { form: where, error: "Choose promote or demote." });
    const fields = changeFields(form);
    if (typeof fields === "string") return fail(400, { form: where, error: fields });
    try {
      await postAutonomyDecision(params.id, action, { decision, actor: user.username, ...fields });
    } catch (e) {
      return refusedChange(e, where);
    }
    return { form: where, done: decision === "promote" ? "Promoted." : "Demoted one rung." };
  },
};
