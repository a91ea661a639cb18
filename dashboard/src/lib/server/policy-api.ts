/**
 * The dashboard's client for the worker's policy API (README "Policies"): read a workflow's policies (the version in
 * force, every saved version) and save a new version or roll one back on behalf of the signed-in admin. The worker
 * checks every value against the workflow's declared schema and keeps who, when and why with each version; failures
 * are `CaseApiError`s with the API's own code (`invalid_policy`, `stale_version`...).
 */
import type { PoliciesView, PolicyChangeBody, PolicyRollbackBody, PolicyView } from "$workers/case-api.ts";
import { call, json, refusal } from "./case-api";

export type { PoliciesView, PolicyView };

/** Every change names the signed-in person: the worker refuses a change from the dashboard's token without one. */
export type PolicyChangeRequest = PolicyChangeBody & { actor: string };
export type PolicyRollbackRequest = PolicyRollbackBody & { actor: string };

const path = (workflow: string, suffix = "") => `/api/policies/${encodeURIComponent(workflow)}${suffix}`;

async function post(to: string, body: unknown, what: string): Promise<PoliciesView> {
  const res = await call(to, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await refusal(res, what);
  return json<PoliciesView>(res, what);
}

/**
 * The workflow's policies as the worker sees them now.
 * @example (await getPolicies("refund-dispute")).policies[0].inForce.version // → 0 while never changed
 */
export async function getPolicies(workflow: string): Promise<PoliciesView> {
  const what = `reading the policies of ${workflow}`;
  const res = await call(path(workflow));
  if (!res.ok) throw await refusal(res, what);
  return json<PoliciesView>(res, what);
}

/**
 * Saves a new version; 409 `stale_version` when someone saved one since `basedOn`, 422 `invalid_policy` with the problems.
 * @example await savePolicy("refund-dispute", "refund-limits", { value, reason: "Q3 cap", basedOn: 2, actor: "ana" });
 */
export function savePolicy(workflow: string, name: string, body: PolicyChangeRequest): Promise<PoliciesView> {
  return post(path(workflow, `/${encodeURIComponent(name)}`), body, `saving ${name}`);
}

/**
 * A new version equal to version `to` (0: the defaults).
 * @example await rollBackPolicy("refund-dispute", "refund-limits", { to: 1, reason: "too strict", basedOn: 3, actor: "ana" });
 */
export function rollBackPolicy(workflow: string, name: string, body: PolicyRollbackRequest): Promise<PoliciesView> {
  return post(path(workflow, `/${encodeURIComponent(name)}/rollbacks`), body, `rolling back ${name}`);
}
