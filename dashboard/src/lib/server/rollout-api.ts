/**
 * The dashboard's client for the worker's rollout and autonomy API (README "Rollouts"): read a workflow's rollout
 * (policy, guards, verdict, history) and its autonomy ladders, and change them on behalf of the signed-in admin. The
 * dashboard never writes a policy itself: the worker validates, audits (hash-chained change log) and applies every
 * change. Failures are `CaseApiError`s with the API's own code (`stale_revision`, `not_authorized`, `invalid_policy`...).
 */

import type { z } from "zod";
import type {
  AutonomyActionBody,
  AutonomyActionView,
  AutonomyEvidence,
  AutonomyView,
  GuardReading,
  RolloutActionBody,
  RolloutPolicyBody,
  RolloutView,
  ShadowReportList as ShadowReportListSchema,
  ShadowReport as ShadowReportSchema,
  ShadowRunBody,
} from "$workers/case-api.ts";
import { CaseApiError, call, json, refusal } from "./case-api";

export type { AutonomyActionView, AutonomyEvidence, AutonomyView, GuardReading, RolloutView };
export type ShadowReport = z.infer<typeof ShadowReportSchema>;
export type ShadowReportList = z.infer<typeof ShadowReportListSchema>;
export type ShadowReportSummary = ShadowReportList["reports"][number];

/** Every change names the signed-in person: the worker refuses a change from the dashboard's token without one. */
type Named<T extends { actor?: string }> = T & { actor: string };
export type RolloutPolicyRequest = Named<RolloutPolicyBody>;
export type RolloutActionRequest = Named<RolloutActionBody>;
export type AutonomyDecisionRequest = Named<AutonomyActionBody>;
export type ShadowRunRequest = Named<ShadowRunBody>;

/** A shadow run answers when its report is stored: up to 500 cases replayed in the sandbox take minutes, not seconds. */
const SHADOW_TIMEOUT_MS = 10 * 60_000;

const rolloutPath = (workflow: string, suffix = "") => `/api/rollouts/${encodeURIComponent(workflow)}${suffix}`;

async function send<T>(
  path: string,
  method: "PUT" | "POST",
  body: unknown,
  what: string,
  f?: typeof fetch,
  timeoutMs?: number,
) {
  const res = await call(
    path,
    { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
    f,
    timeoutMs,
  );
  if (!res.ok) throw await refusal(res, what);
  return json<T>(res, what);
}

async function read<T>(path: string, what: string, f?: typeof fetch): Promise<T | null> {
  const res = await call(path, {}, f);
  if (res.status === 404) {
    // A 404 with the API's own code other than "no such workflow" (an unmounted route, say) is a fault, not absence.
    const refused = await refusal(res, what);
    if (refused.code === "workflow_not_found") return null;
    throw refused;
  }
  if (!res.ok) throw await refusal(res, what);
  return json<T>(res, what);
}

/**
 * The workflow's rollout as the worker sees it now, or null for a workflow it does not know.
 * @example const view = await getRollout("refund-dispute"); view?.policy?.candidate
 */
export function getRollout(workflow: string, fetcher?: typeof fetch): Promise<RolloutView | null> {
  return read<RolloutView>(rolloutPath(workflow), `reading the rollout of ${workflow}`, fetcher);
}

/**
 * Creates or replaces the policy; 409 `stale_revision` when someone changed it since `expectedRevision`.
 * @example await putRolloutPolicy("refund-dispute", { policy, reason: "v3 canary", expectedRevision: 0, actor: "ana" });
 */
export function putRolloutPolicy(
  workflow: string,
  body: RolloutPolicyRequest,
  fetcher?: typeof fetch,
): Promise<RolloutView> {
  return send<RolloutView>(rolloutPath(workflow), "PUT", body, `saving the rollout policy of ${workflow}`, fetcher);
}

/**
 * Halts, promotes, resumes the candidate or sets its share.
 * @example await postRolloutAction("refund-dispute", { action: "halt", reason: "refund complaints", expectedRevision: 4, actor: "ana" });
 */
export function postRolloutAction(
  workflow: string,
  body: RolloutActionRequest,
  fetcher?: typeof fetch,
): Promise<RolloutView> {
  const what = `${body.action} on the rollout of ${workflow}`;
  return send<RolloutView>(rolloutPath(workflow, "/actions"), "POST", body, what, fetcher);
}

/**
 * Each consequential action's autonomy ladder with its evidence, or null for a workflow the worker does not know.
 * @example const autonomy = await getAutonomy("refund-dispute"); autonomy?.actions[0]?.level
 */
export function getAutonomy(workflow: string, fetcher?: typeof fetch): Promise<AutonomyView | null> {
  const path = `/api/autonomy/${encodeURIComponent(workflow)}`;
  return read<AutonomyView>(path, `reading the autonomy ladders of ${workflow}`, fetcher);
}

/**
 * Promotes an action to its proposed level or demotes it one rung.
 * @example await postAutonomyDecision("refund-dispute", "refund", { decision: "promote", reason: "40 of 40 approved", actor: "ana" });
 */
export async function postAutonomyDecision(
  workflow: string,
  action: string,
  body: AutonomyDecisionRequest,
  fetcher?: typeof fetch,
): Promise<void> {
  const path = `/api/autonomy/${encodeURIComponent(workflow)}/${encodeURIComponent(action)}`;
  await send<unknown>(path, "POST", body, `${body.decision} of ${action} in ${workflow}`, fetcher);
}

/**
 * The workflow's shadow-run reports, newest first (summaries: who ran which candidate over what, the counts).
 * @example const { reports } = await listShadowRuns("refund-dispute");
 */
export async function listShadowRuns(workflow: string, fetcher?: typeof fetch): Promise<ShadowReportList> {
  const what = `listing the shadow runs of ${workflow}`;
  return (await read<ShadowReportList>(rolloutPath(workflow, "/shadow-runs"), what, fetcher)) ?? { reports: [] };
}

/**
 * One whole report (per case the differing steps side by side, the KPIs), or null when there is no such report.
 * @example const report = await getShadowRun("refund-dispute", id);
 */
export async function getShadowRun(workflow: string, id: string, fetcher?: typeof fetch): Promise<ShadowReport | null> {
  const path = rolloutPath(workflow, `/shadow-runs/${encodeURIComponent(id)}`);
  const res = await call(path, {}, fetcher);
  if (!res.ok) {
    const refused = await refusal(res, `reading shadow run ${id}`);
    if (refused.code === "shadow_report_not_found") return null;
    throw refused;
  }
  return json<ShadowReport>(res, `reading shadow run ${id}`);
}

/**
 * Runs the candidate over recorded cases in the sandbox (writes recorded, never sent) and answers its report.
 * @example const report = await startShadowRun("refund-dispute", { candidate: 3, cases: 200, actor: "ana" });
 */
export function startShadowRun(workflow: string, body: ShadowRunRequest, fetcher?: typeof fetch) {
  const what = `running v${body.candidate} of ${workflow} in the shadow`;
  return send<{ id: string }>(rolloutPath(workflow, "/shadow-runs"), "POST", body, what, fetcher, SHADOW_TIMEOUT_MS);
}

export { CaseApiError };
