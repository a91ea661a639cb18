/**
 * A shadow run: a candidate version tried on a workflow's recorded real cases, none of its writes sent. Each case's
 * journal is replayed in the sandbox (sandbox.ts) and compared with production's (compare-case.ts); the candidate's
 * estimated KPIs are computed from its sandbox cases with the same definitions as every other figure (db/kpi), beside
 * production's over the same cases; the report is stored for the dashboard (db/rollouts/shadow-reports.ts).
 */
import type { MetricsDatabase } from "../../db/client.ts";
import { compareVersions } from "../../db/kpi/compare.ts";
import { emptyTally, kpisOf } from "../../db/kpi/definitions.ts";
import { addCase } from "../../db/kpi/recount.ts";
import {
  countVerdicts,
  type RecordedCase,
  recordedCases,
  SHADOW_VERDICTS,
  type ShadowCaseResult,
  type ShadowReport,
  type ShadowSelection,
  saveShadowReport,
} from "../../db/rollouts/shadow-reports.ts";
import type { AutonomyLevels, ModelResolver } from "../agent/types.ts";
import type { CaseDirectory } from "../case/directory.ts";
import type { WorkflowDefinition } from "../engine/index.ts";
import { compareCase } from "./compare-case.ts";
import { runInSandbox, type SandboxRun } from "./sandbox.ts";

/** Cases replayed at once: journals are read from their case objects, the sandbox itself is CPU only. */
const CONCURRENCY = 6;

/** A shadow run that cannot start as asked; `code` is the API's error code. */
export class ShadowRunError extends Error {
  override name = "ShadowRunError";
  constructor(
    readonly code: "unknown_version" | "no_recorded_cases",
    message: string,
  ) {
    super(message);
  }
}

export interface ShadowRunRequest {
  workflowId: string;
  candidate: number;
  /** The newest this many recorded cases (default 200). */
  cases?: number;
  /** Only cases opened since (epoch ms). */
  since?: number;
  /** `person:<name> via dashboard` or `person:<holder> via key:<id>`. */
  requestedBy: string;
}

export interface ShadowRunDeps {
  db: MetricsDatabase;
  /** Where production's journals are read. */
  cases: Pick<CaseDirectory, "journal">;
  workflows: readonly WorkflowDefinition[];
  /** The deployment's configuration: connector settings and the time scale the candidate runs with. */
  config: Readonly<Record<string, unknown>>;
  models?: ModelResolver;
  /** The autonomy levels in force (workers/rollouts/autonomy-levels.ts); default each ladder's start. */
  autonomy?: AutonomyLevels;
  now?: () => number;
  /** A report id (default a random UUID). */
  newId?: () => string;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface Replayed {
  recorded: RecordedCase;
  result: ShadowCaseResult;
  run: SandboxRun | null;
}

async function replay(recorded: RecordedCase, candidate: WorkflowDefinition, deps: ShadowRunDeps, horizon: number) {
  const journal = await deps.cases.journal(recorded.caseId);
  if (!journal) {
    const result: ShadowCaseResult = {
      caseId: recorded.caseId,
      caseKey: recorded.caseKey,
      productionVersion: recorded.workflowVersion,
      verdict: "failed",
      production: { status: recorded.status, outcome: null },
      candidate: null,
      reason: "production's journal of this case is gone (its case object holds no case)",
      steps: [],
    };
    return { recorded, result, run: null } satisfies Replayed;
  }
  const { config, models, autonomy } = deps;
  const run = await runInSandbox(journal, { candidate, config, models, autonomy, horizon });
  return { recorded, result: compareCase(journal, run), run } satisfies Replayed;
}

/**
 * Runs `request.candidate` over the recorded cases, stores the report and returns it.
 * @example const report = await shadowRun({ workflowId: "refund-dispute", candidate: 3, requestedBy: "person:ana via dashboard" }, deps);
 */
export async function shadowRun(request: ShadowRunRequest, deps: ShadowRunDeps): Promise<ShadowReport> {
  const now = deps.now ?? Date.now;
  const candidate = deps.workflows.find((w) => w.id === request.workflowId && w.version === request.candidate);
  if (!candidate) {
    const deployed = deps.workflows.filter((w) => w.id === request.workflowId).map((w) => `v${w.version}`);
    throw new ShadowRunError(
      "unknown_version",
      `${request.workflowId} v${request.candidate} is not deployed (deployed: ${deployed.join(", ") || "none"})`,
    );
  }
  const selection: ShadowSelection = {
    cases: request.cases ?? 200,
    ...(request.since !== undefined ? { since: request.since } : {}),
  };
  const recorded = await recordedCases(deps.db, request.workflowId, {
    candidate: request.candidate,
    cases: selection.cases!,
    since: request.since,
  });
  if (recorded.length === 0)
    throw new ShadowRunError(
      "no_recorded_cases",
      `no resolved, failed or escalated ${request.workflowId} cases on another version than v${request.candidate}${request.since !== undefined ? ` opened since ${new Date(request.since).toISOString()}` : ""}`,
    );
  const horizon = now();
  const replayed = await mapLimit(recorded, CONCURRENCY, (c) => replay(c, candidate, deps, horizon));

  // Both sides over the same cases: those the candidate could run (a sandbox failure is no outcome of either).
  const production = emptyTally();
  const estimated = emptyTally();
  for (const { recorded: row, result, run } of replayed) {
    // A case the sandbox stopped (even one whose decision already differed) has no candidate outcome to count.
    if (result.candidate === null || !run?.snapshot) continue;
    addCase(production, row);
    addCase(estimated, run.snapshot);
  }
  const order = (r: ShadowCaseResult) => [...SHADOW_VERDICTS].reverse().indexOf(r.verdict);
  const results = replayed.map((r) => r.result).sort((a, b) => order(a) - order(b));
  const report: ShadowReport = {
    id: deps.newId?.() ?? crypto.randomUUID(),
    workflowId: request.workflowId,
    candidateVersion: request.candidate,
    requestedBy: request.requestedBy,
    createdAt: now(),
    selection,
    counts: countVerdicts(results),
    productionVersions: [...new Set(recorded.map((c) => c.workflowVersion))].sort((a, b) => a - b),
    kpis: {
      production: kpisOf(production),
      candidate: kpisOf(estimated),
      comparison: compareVersions(production, estimated),
    },
    results,
  };
  await saveShadowReport(deps.db, report);
  return report;
}
