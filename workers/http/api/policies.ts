/**
 * Policies through the case API: a workflow's declared policies with the version in force and every saved version
 * (viewers); a new version, checked against the declared schema, or a rollback to an older one (admins). Every change
 * names who made it, why and from when, and reaches cases within the policy cache's refresh (at once on this
 * instance); a case keeps the version it read (workers/engine/steps/policy.ts).
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import type { MetricsDatabase } from "../../../db/client.ts";
import {
  PolicyVersionError,
  type PolicyVersionRow,
  policyHistory,
  savePolicyVersion,
  versionInForce,
} from "../../../db/policies.ts";
import { PoliciesView, PolicyChangeBody, PolicyRollbackBody } from "../../case-api.ts";
import { checkPolicy, type PolicyDeclaration } from "../../engine/index.ts";
import { ApiError } from "../../errors.ts";
import { forgetPolicyVersions } from "../../rollouts/policies.ts";
import type { AppEnv } from "../app-env.ts";
import { authorize } from "./auth.ts";
import { json, refusals, serve } from "./openapi.ts";
import { actingPerson, jsonBody, metricsDatabase } from "./request-body.ts";

export const policies = new OpenAPIHono<AppEnv>();

const CHANGE_BODY = { what: "policy change", maxBytes: 32 * 1024, invalidCode: "invalid_policy_change" };
const database = (c: Context<AppEnv>) => metricsDatabase(c, "policies", "policy versions live in the metrics database");
const WorkflowPath = z.object({ workflow: z.string().describe("a workflow id, e.g. refund-dispute") });
const PolicyPath = WorkflowPath.extend({ name: z.string().describe("a declared policy, e.g. refund-limits") });

/** The policies the workflow's newest deployed version declares; 404 for a workflow this deployment does not run. */
function declarationsOf(c: Context<AppEnv>, workflow: string): readonly PolicyDeclaration[] {
  const versions = c.var.platform.workflows.filter((w) => w.id === workflow).sort((a, b) => b.version - a.version);
  if (versions.length === 0)
    throw new ApiError(404, "workflow_not_found", `this deployment runs no workflow ${workflow}`);
  return versions[0]!.policies ?? [];
}

function declarationOf(c: Context<AppEnv>, workflow: string, name: string): PolicyDeclaration {
  const found = declarationsOf(c, workflow).find((p) => p.name === name);
  if (!found) throw new ApiError(404, "policy_not_found", `${workflow} declares no policy ${name}`);
  return found;
}

const versionView = ({ workflowId: _w, name: _n, ...row }: PolicyVersionRow) => row;

async function policyView(db: MetricsDatabase, workflowId: string, d: PolicyDeclaration, now: number) {
  const versions = await policyHistory(db, workflowId, d.name);
  const current = versionInForce(versions, now);
  return {
    name: d.name,
    title: d.title,
    description: d.description,
    defaults: d.defaults,
    inForce: current
      ? { version: current.version, value: current.value, effectiveFrom: current.effectiveFrom }
      : { version: 0, value: d.defaults, effectiveFrom: null },
    latest: versions[0]?.version ?? 0,
    versions: versions.map(versionView),
  };
}

async function viewOf(db: MetricsDatabase, workflowId: string, declared: readonly PolicyDeclaration[]) {
  const now = Date.now();
  return { workflowId, policies: await Promise.all(declared.map((d) => policyView(db, workflowId, d, now))) };
}

/** The value as the declaration parses it, or 422 naming every problem. */
function checked(d: PolicyDeclaration, value: unknown): unknown {
  const result = checkPolicy(d, value);
  if (!result.ok) throw new ApiError(422, "invalid_policy", `${d.title}: ${result.problems.join("; ")}`);
  return result.value;
}

async function write(save: () => Promise<PolicyVersionRow>): Promise<void> {
  try {
    await save();
  } catch (error) {
    if (error instanceof PolicyVersionError)
      throw new ApiError(error.code === "stale_version" ? 409 : 422, error.code, error.message);
    throw error;
  }
  forgetPolicyVersions();
}

const readRoute = createRoute({
  method: "get",
  path: "/policies/{workflow}",
  summary: "A workflow's policies: what each governs, its defaults, the version in force and every saved version",
  request: { params: WorkflowPath },
  responses: { 200: json("the workflow's policies", PoliciesView), ...refusals({ 404: "`workflow_not_found`" }) },
});
serve(policies, readRoute, async (c) => {
  const workflow = c.req.param("workflow");
  authorize(c.var.caller, "viewer", workflow);
  return c.json(await viewOf(database(c), workflow, declarationsOf(c, workflow)));
});

const WRITE_REFUSALS = refusals({
  400: "`invalid_json`, `invalid_policy_change`, `actor_required`",
  403: "`actor_not_allowed`",
  404: "`workflow_not_found`, `policy_not_found`",
  409: "`stale_version` (another version was saved since the one named in `basedOn`)",
  413: "`payload_too_large`",
  415: "`unsupported_media_type`",
  422: "`invalid_policy` (the value does not match the declared schema), `version_not_found`",
});

const changeRoute = createRoute({
  method: "post",
  path: "/policies/{workflow}/{name}",
  summary: "Saves a new version of a policy (admins), checked against its declared schema",
  request: { params: PolicyPath, body: { content: { "application/json": { schema: PolicyChangeBody } } } },
  responses: { 200: json("the workflow's policies after the change", PoliciesView), ...WRITE_REFUSALS },
});
serve(policies, changeRoute, async (c) => {
  const { workflow, name } = c.req.param();
  const caller = authorize(c.var.caller, "admin", workflow);
  const declaration = declarationOf(c, workflow, name);
  const body = await jsonBody(c, PolicyChangeBody, CHANGE_BODY);
  const value = checked(declaration, body.value);
  const db = database(c);
  const now = Date.now();
  await write(() =>
    savePolicyVersion(db, {
      workflowId: workflow,
      name,
      value,
      effectiveFrom: body.effectiveFrom ?? now,
      who: actingPerson(caller, body.actor),
      why: body.reason,
      basedOn: body.basedOn,
      now,
    }),
  );
  return c.json(await viewOf(db, workflow, declarationsOf(c, workflow)));
});

const rollbackRoute = createRoute({
  method: "post",
  path: "/policies/{workflow}/{name}/rollbacks",
  summary: "Rolls a policy back (admins): a new version equal to an older one, or to the declared defaults (0)",
  request: { params: PolicyPath, body: { content: { "application/json": { schema: PolicyRollbackBody } } } },
  responses: { 200: json("the workflow's policies after the rollback", PoliciesView), ...WRITE_REFUSALS },
});
serve(policies, rollbackRoute, async (c) => {
  const { workflow, name } = c.req.param();
  const caller = authorize(c.var.caller, "admin", workflow);
  const declaration = declarationOf(c, workflow, name);
  const body = await jsonBody(c, PolicyRollbackBody, CHANGE_BODY);
  const db = database(c);
  const now = Date.now();
  const change = {
    workflowId: workflow,
    name,
    effectiveFrom: body.effectiveFrom ?? now,
    who: actingPerson(caller, body.actor),
    why: body.reason,
    basedOn: body.basedOn,
    now,
  };
  // The older value is checked again: the declaration may have changed since it was saved.
  const older = body.to === 0 ? null : (await policyHistory(db, workflow, name)).find((v) => v.version === body.to);
  if (older === undefined) throw new ApiError(422, "version_not_found", `${name} has no version ${body.to}`);
  const value = older === null ? declaration.defaults : checked(declaration, older.value);
  await write(() => savePolicyVersion(db, { ...change, value, rollbackOf: body.to }));
  return c.json(await viewOf(db, workflow, declarationsOf(c, workflow)));
});
