/**
 * Shadow runs through the case API: an admin tries a candidate version on a workflow's recorded cases (nothing it
 * would send is sent: workers/shadow), and viewers list and open the stored reports.
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { databaseSource } from "../../../db/client.ts";
import { listShadowReports, readShadowReport } from "../../../db/rollouts/shadow-reports.ts";
import { modelResolver } from "../../agent/models.ts";
import { ShadowReport, ShadowReportList, ShadowReportSummary, ShadowRunBody } from "../../case-api.ts";
import { ApiError } from "../../errors.ts";
import { autonomyLevels } from "../../rollouts/autonomy-levels.ts";
import { ShadowRunError, shadowRun } from "../../shadow/run.ts";
import type { AppEnv } from "../app-env.ts";
import { authorize } from "./auth.ts";
import { json, refusals, serve } from "./openapi.ts";
import { actingPerson, jsonBody, metricsDatabase, requireDeployed } from "./request-body.ts";

export const shadowRuns = new OpenAPIHono<AppEnv>();

const RUN_BODY = { what: "shadow-run request", maxBytes: 4 * 1024, invalidCode: "invalid_shadow_run" };
const database = (c: Context<AppEnv>) =>
  metricsDatabase(c, "shadow_runs", "shadow runs read and keep cases in the metrics database");
const WorkflowPath = z.object({ workflow: z.string().describe("a workflow id, e.g. refund-dispute") });
const ReportPath = WorkflowPath.extend({ id: z.string().describe("a shadow-run report's id") });

const startShadowRun = createRoute({
  method: "post",
  path: "/rollouts/{workflow}/shadow-runs",
  summary:
    "Runs a candidate version over recorded cases in a sandbox (admins): writes recorded, never sent; stores the report and answers its summary",
  request: { params: WorkflowPath, body: { content: { "application/json": { schema: ShadowRunBody } } } },
  responses: {
    201: json("the stored report's summary", ShadowReportSummary),
    ...refusals({
      400: "`invalid_json`, `invalid_shadow_run`, `actor_required`",
      403: "`actor_not_allowed`",
      404: "`workflow_not_found`",
      413: "`payload_too_large`",
      415: "`unsupported_media_type`",
      422: "`unknown_version`, `no_recorded_cases`",
    }),
  },
});
serve(shadowRuns, startShadowRun, async (c) => {
  const workflow = c.req.param("workflow");
  const caller = authorize(c.var.caller, "admin", workflow);
  requireDeployed(c, workflow);
  const body = await jsonBody(c, ShadowRunBody, RUN_BODY);
  const requestedBy = actingPerson(caller, body.actor);
  const config = c.env as unknown as Record<string, unknown>;
  const db = database(c);
  try {
    const report = await shadowRun(
      {
        workflowId: workflow,
        candidate: body.candidate,
        cases: body.cases,
        ...(body.since ? { since: Date.parse(body.since) } : {}),
        requestedBy,
      },
      {
        db,
        cases: c.var.platform.cases,
        workflows: c.var.platform.workflows,
        config,
        models: modelResolver(config),
        autonomy: autonomyLevels(databaseSource({ url: c.env.TURSO_DATABASE_URL, authToken: c.env.TURSO_AUTH_TOKEN })),
      },
    );
    const { productionVersions: _v, kpis: _k, results: _r, ...summary } = report;
    return c.json(summary, 201);
  } catch (error) {
    if (error instanceof ShadowRunError) throw new ApiError(422, error.code, error.message);
    throw error;
  }
});

const listReports = createRoute({
  method: "get",
  path: "/rollouts/{workflow}/shadow-runs",
  summary: "A workflow's shadow-run reports, newest first (summaries)",
  request: { params: WorkflowPath },
  responses: { 200: json("the reports", ShadowReportList), ...refusals({ 404: "`workflow_not_found`" }) },
});
serve(shadowRuns, listReports, async (c) => {
  const workflow = c.req.param("workflow");
  authorize(c.var.caller, "viewer", workflow);
  requireDeployed(c, workflow);
  return c.json({ reports: await listShadowReports(database(c), workflow) });
});

const readReport = createRoute({
  method: "get",
  path: "/rollouts/{workflow}/shadow-runs/{id}",
  summary:
    "One shadow-run report: per case the verdict and the differing steps side by side, the KPIs beside production's",
  request: { params: ReportPath },
  responses: {
    200: json("the report", ShadowReport),
    ...refusals({ 404: "`workflow_not_found`, `shadow_report_not_found`" }),
  },
});
serve(shadowRuns, readReport, async (c) => {
  const workflow = c.req.param("workflow");
  authorize(c.var.caller, "viewer", workflow);
  const report = await readShadowReport(database(c), c.req.param("id"));
  if (!report || report.workflowId !== workflow)
    throw new ApiError(404, "shadow_report_not_found", `no shadow-run report ${c.req.param("id")} of ${workflow}`);
  return c.json(report);
});
