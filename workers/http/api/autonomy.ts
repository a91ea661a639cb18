/**
 * Progressive autonomy through the case API: each consequential action's ladder, level in force, proposal and
 * evidence (viewers); promote to the proposed rung or demote one (admins); record an action undone after the fact
 * (operators), which demotes its level at once. Every change lands in the hash-chained `autonomy_changes` log and
 * reaches agent steps within the level cache's refresh (at once on this instance).
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import type { MetricsDatabase } from "../../../db/client.ts";
import { wilsonInterval } from "../../../db/kpi/compare.ts";
import { agreementOf, EMPTY_TALLY, type LevelTally } from "../../../db/rollouts/autonomy.ts";
import {
  type LevelKpis,
  readCurrentEvidence,
  readLevelKpis,
  readTallies,
  recordReversal,
} from "../../../db/rollouts/autonomy-evidence.ts";
import {
  AutonomyError,
  changeAutonomy,
  readAutonomy,
  readAutonomyChanges,
} from "../../../db/rollouts/autonomy-store.ts";
import { AutonomyActionBody, AutonomyReversalBody, AutonomyView } from "../../case-api.ts";
import type { AutonomyDeclaration } from "../../engine/index.ts";
import { ApiError } from "../../errors.ts";
import { declaredAutonomy, ruleOf } from "../../rollouts/autonomy.ts";
import { forgetAutonomyLevels } from "../../rollouts/autonomy-levels.ts";
import type { AppEnv } from "../app-env.ts";
import { authorize } from "./auth.ts";
import { json, refusals, serve } from "./openapi.ts";
import { actingPerson, jsonBody, metricsDatabase } from "./request-body.ts";

export const autonomy = new OpenAPIHono<AppEnv>();

const CHANGE_BODY = { what: "autonomy change", maxBytes: 16 * 1024, invalidCode: "invalid_autonomy" };
const REVERSAL_BODY = { ...CHANGE_BODY, what: "reversal" };
const database = (c: Context<AppEnv>) => metricsDatabase(c, "autonomy", "autonomy levels live in the metrics database");
const WorkflowPath = z.object({ workflow: z.string().describe("a workflow id, e.g. refund-dispute") });
const ActionPath = WorkflowPath.extend({ action: z.string().describe("a declared action, e.g. refund") });

/** The workflow's declared actions; 404 for a workflow this deployment does not run. */
function declarationsOf(c: Context<AppEnv>, workflow: string): AutonomyDeclaration[] {
  if (!c.var.platform.workflows.some((w) => w.id === workflow))
    throw new ApiError(404, "workflow_not_found", `this deployment runs no workflow ${workflow}`);
  return declaredAutonomy(c.var.platform.workflows, workflow);
}

function declarationOf(c: Context<AppEnv>, workflow: string, action: string): AutonomyDeclaration {
  const found = declarationsOf(c, workflow).find((d) => d.action === action);
  if (!found)
    throw new ApiError(404, "action_not_found", `${workflow} declares no autonomy ladder for the action ${action}`);
  return found;
}

const NO_CASES: LevelKpis = { cases: 0, resolved: 0, autonomous: 0, escalated: 0, errored: 0 };

const evidenceOf = (d: AutonomyDeclaration, level: number, t: LevelTally, k: LevelKpis = NO_CASES) => {
  const { proposals, agreement, interval } = agreementOf(t);
  return {
    level,
    name: d.ladder[level]?.name ?? `level ${level}`,
    proposals,
    approved: t.approved,
    changed: t.changed,
    rejected: t.rejected,
    alone: t.alone,
    reversed: t.reversed,
    agreement,
    interval,
    lastRejectionAt: t.lastRejectionAt,
    kpis: {
      ...k,
      autonomousRate: k.cases === 0 ? null : k.autonomous / k.cases,
      autonomousInterval: wilsonInterval(k.autonomous, k.cases),
    },
  };
};

async function actionView(db: MetricsDatabase, workflowId: string, d: AutonomyDeclaration) {
  const rule = ruleOf(d);
  const state = await readAutonomy(db, workflowId, d.action, rule.start);
  const [tallies, kpis, current, changes] = await Promise.all([
    readTallies(db, workflowId, d.action),
    readLevelKpis(db, workflowId, d.action),
    readCurrentEvidence(db, workflowId, d.action, state, rule.promoteAfter.cases),
    readAutonomyChanges(db, workflowId, d.action),
  ]);
  return {
    action: d.action,
    ladder: d.ladder.map((r) => ({ name: r.name, alone: r.alone })),
    start: rule.start,
    promoteAfter: rule.promoteAfter,
    demoteOn: rule.demoteOn,
    level: state.level,
    proposedLevel: state.proposedLevel,
    revision: state.revision,
    since: state.since,
    current: evidenceOf(d, state.level, current.tally),
    evidence: d.ladder.map((_, level) => evidenceOf(d, level, tallies.get(level) ?? EMPTY_TALLY, kpis.get(level))),
    changes: changes.map(({ prevHash: _p, workflowId: _w, action: _a, ...change }) => change),
  };
}

async function viewOf(db: MetricsDatabase, workflowId: string, declared: AutonomyDeclaration[]) {
  return { workflowId, actions: await Promise.all(declared.map((d) => actionView(db, workflowId, d))) };
}

const readRoute = createRoute({
  method: "get",
  path: "/autonomy/{workflow}",
  summary: "A workflow's consequential actions: ladder, level in force, proposed level, evidence per level, history",
  request: { params: WorkflowPath },
  responses: {
    200: json("the autonomy of each declared action", AutonomyView),
    ...refusals({ 404: "`workflow_not_found`" }),
  },
});
serve(autonomy, readRoute, async (c) => {
  const workflow = c.req.param("workflow");
  authorize(c.var.caller, "viewer", workflow);
  return c.json(await viewOf(database(c), workflow, declarationsOf(c, workflow)));
});

const changeRoute = createRoute({
  method: "post",
  path: "/autonomy/{workflow}/{action}",
  summary: "Promotes an action to its proposed level, or demotes it one rung (admins); audited in the change log",
  request: { params: ActionPath, body: { content: { "application/json": { schema: AutonomyActionBody } } } },
  responses: {
    200: json("the workflow's autonomy after the change", AutonomyView),
    ...refusals({
      400: "`invalid_json`, `invalid_autonomy`, `actor_required`",
      403: "`actor_not_allowed`, `insufficient_role`",
      404: "`workflow_not_found`, `action_not_found`",
      409: "`not_proposed` (no evidence-backed proposal to promote to), `bottom_rung`, `stale_revision`",
      413: "`payload_too_large`",
      415: "`unsupported_media_type`",
    }),
  },
});
serve(autonomy, changeRoute, async (c) => {
  const { workflow, action } = c.req.param();
  const caller = authorize(c.var.caller, "admin", workflow);
  const declaration = declarationOf(c, workflow, action);
  const body = await jsonBody(c, AutonomyActionBody, CHANGE_BODY);
  const actor = actingPerson(caller, body.actor);
  const db = database(c);
  const from = await readAutonomy(db, workflow, action, ruleOf(declaration).start);
  if (body.expectedRevision !== undefined && body.expectedRevision !== from.revision)
    throw new ApiError(
      409,
      "stale_revision",
      `the autonomy of ${action} is at revision ${from.revision}, not ${body.expectedRevision}`,
    );
  let toLevel: number;
  if (body.decision === "promote") {
    // Promotion follows the evidence: only to the rung the evidence proposed, which an admin then grants.
    if (from.proposedLevel === null || from.proposedLevel <= from.level)
      throw new ApiError(
        409,
        "not_proposed",
        `no level above ${from.level} is proposed for ${action}: the evidence does not support one yet`,
      );
    toLevel = from.proposedLevel;
  } else {
    if (from.level === 0) throw new ApiError(409, "bottom_rung", `${action} is already on the ladder's first rung`);
    toLevel = from.level - 1;
  }
  try {
    await changeAutonomy(db, {
      workflowId: workflow,
      action,
      from,
      kind: body.decision === "promote" ? "promoted" : "demoted",
      toLevel,
      actor,
      reason: body.reason,
      now: Date.now(),
    });
  } catch (error) {
    if (error instanceof AutonomyError) throw new ApiError(409, error.code, error.message);
    throw error;
  }
  forgetAutonomyLevels();
  return c.json(await viewOf(db, workflow, declarationsOf(c, workflow)));
});

const reversalRoute = createRoute({
  method: "post",
  path: "/autonomy/{workflow}/{action}/reversals",
  summary: "Records an action the agent took as undone after the fact (operators); its level is demoted at once",
  request: { params: ActionPath, body: { content: { "application/json": { schema: AutonomyReversalBody } } } },
  responses: {
    200: json("the workflow's autonomy after the reversal", AutonomyView),
    ...refusals({
      400: "`invalid_json`, `invalid_autonomy`, `actor_required`",
      403: "`actor_not_allowed`, `insufficient_role`",
      404: "`workflow_not_found`, `action_not_found`, `outcome_not_found` (no such action recorded for that case and step)",
      409: "`not_performed` (a rejected proposal never ran)",
      413: "`payload_too_large`",
      415: "`unsupported_media_type`",
    }),
  },
});
serve(autonomy, reversalRoute, async (c) => {
  const { workflow, action } = c.req.param();
  const caller = authorize(c.var.caller, "operator", workflow);
  const declaration = declarationOf(c, workflow, action);
  const body = await jsonBody(c, AutonomyReversalBody, REVERSAL_BODY);
  const actor = actingPerson(caller, body.actor);
  const db = database(c);
  const now = Date.now();
  const reversed = await recordReversal(db, {
    workflowId: workflow,
    action,
    caseId: body.caseId,
    step: body.step,
    now,
  });
  if (!reversed)
    throw new ApiError(
      404,
      "outcome_not_found",
      `no ${action} by the agent is recorded for ${body.caseId} at step ${body.step}`,
    );
  if (reversed.outcomeBefore === "rejected")
    throw new ApiError(
      409,
      "not_performed",
      `the ${action} at ${body.step} was rejected: it never ran, so it cannot be reversed`,
    );
  // Said again: the reversal stands as first recorded (one log entry, one demotion).
  if (!reversed.recorded) return c.json(await viewOf(db, workflow, declarationsOf(c, workflow)));
  // One log entry names the person and why: a demotion when the action was taken at the level in force (or above),
  // else the reversal alone (it still counts against agreement, and withdraws a pending proposal).
  const from = await readAutonomy(db, workflow, action, ruleOf(declaration).start);
  const demotes = from.level > 0 && reversed.level >= from.level;
  try {
    await changeAutonomy(db, {
      workflowId: workflow,
      action,
      from,
      kind: demotes ? "demoted" : "reversed",
      toLevel: demotes ? from.level - 1 : from.level,
      actor,
      reason: `${body.caseId} ${body.step} (${reversed.outcomeBefore} at level ${reversed.level}) was reversed: ${body.reason}`,
      evidence: { caseId: body.caseId, step: body.step, level: reversed.level, outcomeBefore: reversed.outcomeBefore },
      now,
    });
  } catch (error) {
    // Someone changed the level meanwhile: the outcome is recorded, and the writer's next judgment sees it.
    if (!(error instanceof AutonomyError)) throw error;
  }
  forgetAutonomyLevels();
  return c.json(await viewOf(db, workflow, declarationsOf(c, workflow)));
});
