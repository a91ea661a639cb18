/**
 * Generates the demo history: 30 days of cases across the reference workflows, weekdays busier than weekends, each
 * case run by the real case runtime and workflow with its clock moved back to the moment it opened. Deterministic
 * from a seed (the same seed gives the same cases, outcomes and times relative to the end). Writes nothing: `load.ts`
 * writes what this returns through the live metrics writer.
 */
import { seededRandom } from "../../db/kpi/synthetic.ts";
import type { HistoryAuditEntry } from "../../db/schema.ts";
import { createSimulators } from "../../simulators/index.ts";
import { modelResolver } from "../../workers/agent/models.ts";
import { CONNECTOR_FETCH } from "../../workers/connectors/http.ts";
import { type CaseStatus, routeEvent, type WorkflowDefinition } from "../../workers/engine/index.ts";
import type { MetricBatch } from "../../workers/metrics/index.ts";
import { WORKFLOWS } from "../../workers/workflows/index.ts";
import { devVars } from "../dev-vars.ts";
import { connectorUrls } from "../stack/simulators.ts";
import type { HistoryCase } from "./case-driver.ts";
import { answerHistorySurvey } from "./satisfaction.ts";
import { HISTORY_SCENARIOS, type HistoryScenario, type HistoryWorld, onboardingFromDeals } from "./scenarios.ts";

const DAY = 86_400_000;
export const HISTORY_DAYS = 30;

/** Cases a day per workflow on a weekday; weekends see about a third. */
const DAILY_CASES: Record<string, number> = {
  "refund-dispute": 11,
  "customer-onboarding": 9,
  "payment-recovery": 4,
  "github-issue-triage": 4,
  "crm-deal-intake": 3,
};

/**
 * Which version opened new cases when, in days before the end: refund-dispute v2 (Slack approvals) went live
 * 14 days ago; customer-onboarding moved to v2 (SMS) 21 days ago and to v3 10 days ago.
 */
const VERSION_CHANGES: Record<string, readonly { version: number; fromDaysAgo: number }[]> = {
  "refund-dispute": [
    { version: 1, fromDaysAgo: Infinity },
    { version: 2, fromDaysAgo: 14 },
  ],
  "customer-onboarding": [
    { version: 1, fromDaysAgo: Infinity },
    { version: 2, fromDaysAgo: 21 },
    { version: 3, fromDaysAgo: 10 },
  ],
};

export interface HistoryCaseRecord {
  caseId: string;
  workflowId: string;
  caseKey: string;
  status: CaseStatus;
  audit: HistoryAuditEntry[];
  batches: MetricBatch[];
}

export interface History {
  seed: number;
  end: number;
  cases: HistoryCaseRecord[];
}

/**
 * The history's batches as the metrics writer takes them, minus two things only live cases may report: the audit
 * chain head (no case object holds a history case's chain, so there is nothing to anchor and verify later) and the
 * autonomy evidence of its actions (a month of demo approvals must never promote a real workflow's actions to run
 * alone).
 */
function forHistory(batch: MetricBatch): MetricBatch {
  return {
    snapshot: batch.snapshot,
    events: batch.events.map((e) => {
      if (!e.detail || !("autonomy" in e.detail)) return e;
      const { autonomy: _autonomy, ...detail } = e.detail;
      return { ...e, detail };
    }),
  };
}

/**
 * Fresh simulators whose record ids start from `at` rather than the wall clock (HubSpot numbers its deals from the
 * clock, and a deal's id is its case's key), so the same seed and end give the same cases.
 */
function simulatorsAt(at: number): ReturnType<typeof createSimulators> {
  const wallClock = Date.now;
  Date.now = () => at;
  try {
    return createSimulators();
  } finally {
    Date.now = wallClock;
  }
}

/** The worker's onboarding form door, as crm-deal-intake's connector reaches it during the history. */
const FORM_DOOR_HOST = "crossflow.history";

/**
 * The form door's answer to a submitted application: taken (202) and routed by customer-onboarding's own trigger,
 * as the worker's door would; the history opens that case (`onboardingFromDeals`) at the moment it was handed over.
 */
async function formDoor(request: Request, submitted: HistoryWorld["submitted"]): Promise<Response> {
  const body = (await request.json()) as { event: string; application: Record<string, unknown> };
  const onboarding = WORKFLOWS.filter((w) => w.id === "customer-onboarding");
  const route = routeEvent(onboarding, "onboarding-form", "application.submitted", body)[0];
  if (!route) return Response.json({ error: { code: "no_route", message: "no workflow takes it" } }, { status: 422 });
  submitted.push({ application: body.application, at: null });
  const deliveries = [{ cases: [{ workflow: "customer-onboarding", caseKey: route.caseKey }] }];
  return Response.json({ accepted: 1, duplicate: false, deliveries }, { status: 202 });
}

/** Opening moments of one day's cases of one workflow: mostly office hours, a few in the evening and at night. */
function openingTimes(random: () => number, dayStart: number, count: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const r = random();
    const hour = r < 0.8 ? 7 + random() * 11 : r < 0.95 ? 18 + random() * 5 : random() * 7;
    times.push(dayStart + Math.floor(hour * 3_600_000));
  }
  return times.sort((a, b) => a - b);
}

function pick(random: () => number, candidates: readonly HistoryScenario[]): HistoryScenario {
  let r = random() * candidates.reduce((n, s) => n + s.weight, 0);
  for (const s of candidates) {
    r -= s.weight;
    if (r < 0) return s;
  }
  return candidates[0]!;
}

/**
 * @example const history = await generateHistory({ seed: 18, end: Date.now() });
 */
export async function generateHistory(options: { seed: number; end: number; days?: number }): Promise<History> {
  const random = seededRandom(options.seed);
  // Fresh simulators each day: their lists (charges, activations) stay short, so a day costs what a day costs.
  let sims = simulatorsAt(options.end);
  const submitted: HistoryWorld["submitted"] = [];
  const simulators = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (new URL(request.url).host === FORM_DOOR_HOST) return formDoor(request, submitted);
    return sims.app.fetch(request);
  }) as typeof fetch;
  // The workers' local configuration, with the connectors pointed at the in-process simulators and the offline model.
  const config = {
    ...devVars(),
    ...connectorUrls("http://simulators.local"),
    CROSSFLOW_MODEL: "offline",
    ONBOARDING_FORM_URL: `http://${FORM_DOOR_HOST}/hooks/onboarding-form`,
    [CONNECTOR_FETCH]: simulators,
  };
  const byVersion = (id: string, version: number): WorkflowDefinition => {
    const found = WORKFLOWS.find((w) => w.id === id && w.version === version);
    if (!found) throw new Error(`workflow ${id} v${version} is not deployed`);
    return found;
  };
  const world: HistoryWorld = {
    driver: { workflows: WORKFLOWS, config, models: modelResolver(config) },
    simulators,
    submitted,
    get activations() {
      return sims.provisioning.activations;
    },
    random,
    end: options.end,
    version(id, at) {
      const daysAgo = (options.end - at) / DAY;
      const changes = VERSION_CHANGES[id];
      if (!changes) return byVersion(id, 1);
      const inForce = changes.filter((c) => daysAgo < c.fromDaysAgo).at(-1) ?? changes[0]!;
      return byVersion(id, inForce.version);
    },
  };
  const days = options.days ?? HISTORY_DAYS;
  const today = Math.floor(options.end / DAY) * DAY;
  const cases: HistoryCaseRecord[] = [];
  let n = 0;
  for (let d = days - 1; d >= 0; d--) {
    const dayStart = today - d * DAY;
    // Each day's simulators number from that day, so no two days' records share an id.
    sims = simulatorsAt(dayStart);
    const weekday = new Date(dayStart).getUTCDay() % 6 !== 0;
    for (const [workflowId, perDay] of Object.entries(DAILY_CASES)) {
      const count = Math.round(perDay * (weekday ? 0.8 + random() * 0.4 : 0.25 + random() * 0.2));
      for (const at of openingTimes(random, dayStart, count)) {
        // Today's history stops a few hours before now, so nothing of it is still running.
        if (at > options.end - 3 * 3_600_000) continue;
        const age = options.end - at;
        // A case whose waits would still be running now is not part of the history (payment recovery waits days).
        const candidates = HISTORY_SCENARIOS.filter((s) => s.workflow === workflowId && (s.minAge ?? 0) <= age);
        if (candidates.length === 0) continue;
        const scenario = pick(random, candidates);
        const c = await scenario.play(world, n++, at);
        // A resolved case then asks its customer how satisfied they are; most of them answer.
        await answerHistorySurvey(world, c);
        // What the deal handed to the onboarding form opens an onboarding case when the case handed it over.
        for (const s of submitted) s.at ??= (await c.head())!.updatedAt;
        for (const opened of await onboardingFromDeals(world, () => n++)) cases.push(await recordOf(opened));
        cases.push(await recordOf(c));
      }
    }
  }
  return { seed: options.seed, end: options.end, cases };
}

/** A generated case as the history keeps it. */
async function recordOf(c: HistoryCase): Promise<HistoryCaseRecord> {
  const head = (await c.head())!;
  return {
    caseId: head.caseId,
    workflowId: head.workflowId,
    caseKey: head.caseKey,
    status: head.status,
    audit: (await c.auditTrail()).map(({ at, actor, action, stepId, detail }) => ({
      at,
      actor,
      action,
      ...(stepId ? { stepId } : {}),
      ...(detail ? { detail } : {}),
    })),
    batches: c.batches.map(forHistory),
  };
}
