/**
 * Rollouts through the case API: read a workflow's policy with its guards and history (viewers), set the policy or act
 * on its candidate (admins). Every change names who made it and why, lands in the hash-chained change log, and takes
 * effect on every instance within the share cache's refresh (workers/rollouts/shares.ts).
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import type { MetricsDatabase } from "../../../db/client.ts";
import { dayOf } from "../../../db/facts.ts";
import { tallyFromRollups, versionComparisons } from "../../../db/kpi/index.ts";
import { readGuardReport } from "../../../db/rollouts/guards.ts";
import { candidateShare, nextStep, type RolloutPolicy, withCandidateShare } from "../../../db/rollouts/policy.ts";
import {
  changePolicy,
  type RolloutAction,
  RolloutError,
  readChanges,
  readPolicy,
  type StoredPolicy,
} from "../../../db/rollouts/store.ts";
import { RolloutActionBody, RolloutPolicyBody, RolloutView, VersionComparisons } from "../../case-api.ts";
import { ApiError } from "../../errors.ts";
import { checkRollouts } from "../../rollouts/check.ts";
import type { AppEnv } from "../app-env.ts";
import { authorize } from "./auth.ts";
import { json, refusals, serve } from "./openapi.ts";
import { actingPerson, jsonBody, metricsDatabase } from "./request-body.ts";

export const rollouts = new OpenAPIHono<AppEnv>();

const POLICY_BODY = { what: "rollout policy", maxBytes: 16 * 1024, invalidCode: "invalid_rollout" };
const ACTION_BODY = { ...POLICY_BODY, what: "rollout action" };
const database = (c: Context<AppEnv>) =>
  metricsDatabase(c, "rollouts", "rollout policies live in the metrics database");
const WorkflowPath = z.object({ workflow: z.string().describe("a workflow id, e.g. refund-dispute") });

/** The deployed versions of `workflow`, newest first; 404 for a workflow this deployment does not run. */
function versionsOf(c: Context<AppEnv>, workflow: string): number[] {
  const versions = c.var.platform.workflows
    .filter((w) => w.id === workflow)
    .map((w) => w.version)
    .sort((a, b) => b - a);
  if (versions.length === 0)
    throw new ApiError(404, "workflow_not_found", `this deployment runs no workflow ${workflow}`);
  return versions;
}

async function viewOf(
  db: MetricsDatabase,
  workflowId: string,
  versions: number[],
): Promise<z.infer<typeof RolloutView>> {
  const stored = await readPolicy(db, workflowId);
  const report = stored ? await readGuardReport(db, stored) : null;
  const changes = await readChanges(db, workflowId);
  return {
    workflowId,
    versions,
    policy: stored?.policy ?? null,
    revision: stored?.revision ?? 0,
    stepStartedAt: stored?.stepStartedAt ?? null,
    guards: report?.readings ?? [],
    verdict: report?.verdict ?? "none",
    changes: changes.map(({ prevHash: _prev, workflowId: _w, ...change }) => change),
  };
}

/** Every version a policy names must be deployed: a share for a version that is not would open no case. */
function checkVersions(policy: RolloutPolicy, versions: number[]) {
  const missing = policy.shares.map((s) => s.version).filter((v) => !versions.includes(v));
  if (missing.length > 0)
    throw new ApiError(
      422,
      "unknown_version",
      `v${missing.join(", v")} is not deployed (deployed: v${versions.join(", v")})`,
    );
}

async function write(db: MetricsDatabase, change: Parameters<typeof changePolicy>[1]): Promise<StoredPolicy> {
  try {
    return await changePolicy(db, change);
  } catch (error) {
    if (error instanceof RolloutError)
      throw new ApiError(error.code === "stale_revision" ? 409 : 422, error.code, error.message);
    throw error;
  }
}

const readRollout = createRoute({
  method: "get",
  path: "/rollouts/{workflow}",
  summary: "A workflow's rollout: the policy in force, its guards now, the check's verdict and the change history",
  request: { params: WorkflowPath },
  responses: { 200: json("the rollout", RolloutView), ...refusals({ 404: "`workflow_not_found`" }) },
});
serve(rollouts, readRollout, async (c) => {
  const workflow = c.req.param("workflow");
  authorize(c.var.caller, "viewer", workflow);
  return c.json(await viewOf(database(c), workflow, versionsOf(c, workflow)));
});

const setRollout = createRoute({
  method: "put",
  path: "/rollouts/{workflow}",
  summary: "Sets the whole policy (admins): shares, candidate, guards, steps, promotion, who is told",
  request: { params: WorkflowPath, body: { content: { "application/json": { schema: RolloutPolicyBody } } } },
  responses: {
    200: json("the rollout after the change", RolloutView),
    ...refusals({
      400: "`invalid_json`, `invalid_rollout`, `actor_required`",
      403: "`actor_not_allowed`",
      404: "`workflow_not_found`",
      409: "`stale_revision`",
      413: "`payload_too_large`",
      415: "`unsupported_media_type`",
      422: "`unknown_version`, `invalid_policy`",
    }),
  },
});
serve(rollouts, setRollout, async (c) => {
  const workflow = c.req.param("workflow");
  const caller = authorize(c.var.caller, "admin", workflow);
  const versions = versionsOf(c, workflow);
  const body = await jsonBody(c, RolloutPolicyBody, POLICY_BODY);
  checkVersions(body.policy, versions);
  const db = database(c);
  const before = await readPolicy(db, workflow);
  const share = (p: RolloutPolicy | undefined) => (p ? `${p.candidate}:${candidateShare(p)}` : "");
  await write(db, {
    workflowId: workflow,
    expectedRevision: body.expectedRevision,
    policy: body.policy,
    actor: actingPerson(caller, body.actor),
    action: "set",
    reason: body.reason,
    restartsStep: share(before?.policy) !== share(body.policy),
    now: Date.now(),
  });
  return c.json(await viewOf(db, workflow, versions));
});

/** A share that does not fit the policy is the caller's mistake: 4xx with the reason, not a server error. */
function refusedAs422<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof RolloutError)
      throw new ApiError(error.code === "no_candidate" ? 409 : 422, error.code, error.message);
    throw error;
  }
}

/** The policy an action leads to, or why it cannot be taken. */
function afterAction(policy: RolloutPolicy, action: z.infer<typeof RolloutActionBody>): RolloutPolicy {
  if (policy.candidate === null)
    throw new ApiError(409, "no_candidate", "the policy has no candidate version to halt, promote or share");
  if (action.action === "halt") return withCandidateShare(policy, 0, "halted");
  if (action.action === "resume") return withCandidateShare(policy, policy.steps[0]!, "canary");
  if (action.action === "set-share")
    return withCandidateShare(policy, action.percent!, action.percent! > 0 ? "canary" : "halted");
  const next = action.percent ?? nextStep(policy);
  if (next === null) throw new ApiError(409, "last_step", `v${policy.candidate} is already at its last step`);
  return withCandidateShare(policy, next, "canary");
}

const actOnRollout = createRoute({
  method: "post",
  path: "/rollouts/{workflow}/actions",
  summary: "Halts, promotes, resumes or sets the share of the candidate (admins)",
  request: { params: WorkflowPath, body: { content: { "application/json": { schema: RolloutActionBody } } } },
  responses: {
    200: json("the rollout after the change", RolloutView),
    ...refusals({
      400: "`invalid_json`, `invalid_rollout`, `actor_required`",
      403: "`actor_not_allowed`",
      404: "`workflow_not_found`, `no_policy`",
      409: "`stale_revision`, `no_candidate`, `last_step`",
      413: "`payload_too_large`",
      415: "`unsupported_media_type`",
      422: "`invalid_share` (more than the baseline holds)",
    }),
  },
});
serve(rollouts, actOnRollout, async (c) => {
  const workflow = c.req.param("workflow");
  const caller = authorize(c.var.caller, "admin", workflow);
  const versions = versionsOf(c, workflow);
  const body = await jsonBody(c, RolloutActionBody, ACTION_BODY);
  const db = database(c);
  const stored = await readPolicy(db, workflow);
  if (!stored) throw new ApiError(404, "no_policy", `${workflow} has no rollout policy: PUT one first`);
  const policy = refusedAs422(() => afterAction(stored.policy, body));
  await write(db, {
    workflowId: workflow,
    expectedRevision: body.expectedRevision,
    policy,
    actor: actingPerson(caller, body.actor),
    action: body.action === "set-share" ? "set" : (body.action as RolloutAction),
    reason: body.reason,
    restartsStep: candidateShare(policy) !== candidateShare(stored.policy),
    now: Date.now(),
  });
  return c.json(await viewOf(db, workflow, versions));
});

const checkRollout = createRoute({
  method: "post",
  path: "/rollouts/{workflow}/check",
  summary: "Runs the scheduled guard check for this workflow now (admins) and answers the rollout after it",
  request: { params: WorkflowPath },
  responses: { 200: json("the rollout after the check", RolloutView), ...refusals({ 404: "`workflow_not_found`" }) },
});
serve(rollouts, checkRollout, async (c) => {
  const workflow = c.req.param("workflow");
  authorize(c.var.caller, "admin", workflow);
  const versions = versionsOf(c, workflow);
  const db = database(c);
  await checkRollouts(db, { config: c.env as unknown as Record<string, unknown>, only: workflow });
  return c.json(await viewOf(db, workflow, versions));
});

const ComparisonQuery = z.object({
  days: z.coerce.number().int().min(1).max(366).default(30),
  minimumSample: z.coerce.number().int().min(1).max(1_000_000).optional(),
});

const compareRollout = createRoute({
  method: "get",
  path: "/rollouts/{workflow}/comparison",
  summary:
    "The workflow's versions compared KPI by KPI over the last `days` (cohorts by opening day, as the dashboard)",
  request: { params: WorkflowPath, query: ComparisonQuery },
  responses: {
    200: json("each version against the one before it (and the one with most cases)", VersionComparisons),
    ...refusals({ 400: "`invalid_query`", 404: "`workflow_not_found`" }),
  },
});
serve(rollouts, compareRollout, async (c) => {
  const workflow = c.req.param("workflow");
  authorize(c.var.caller, "viewer", workflow);
  versionsOf(c, workflow);
  const query = ComparisonQuery.safeParse(c.req.query());
  if (!query.success) throw new ApiError(400, "invalid_query", z.prettifyError(query.error));
  const toDay = dayOf(Date.now());
  const filter = { fromDay: toDay - query.data.days + 1, toDay, workflowId: workflow };
  const groups = await tallyFromRollups(database(c), filter, ["version"], { ttr: true, exceptions: false });
  const versions = groups.map((g) => ({ version: g.version!, tally: g.tally }));
  return c.json({
    workflowId: workflow,
    fromDay: filter.fromDay,
    toDay,
    comparisons: versionComparisons(versions, query.data.minimumSample),
  });
});
