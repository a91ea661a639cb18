/**
 * The scheduled guard check (Worker cron and Deno cron, every minute, and soon after metric batches land): for each
 * workflow with a canary, read its guards and act on the verdict. A breached guard halts the candidate (its share goes
 * to 0, the baseline takes its cases back); guards that hold over the declared sample move it to the next step, or
 * propose the step to an admin. Each action is a revision-checked policy change with its figures in the chained log,
 * so two instances checking at once make one change; then the people the policy names are told why.
 */
import type { DatabaseSource, MetricsDatabase } from "../../db/client.ts";
import { type GuardReading, type GuardReport, readGuardReport } from "../../db/rollouts/guards.ts";
import { candidateShare, withCandidateShare } from "../../db/rollouts/policy.ts";
import { changePolicy, RolloutError, readPolicies, type StoredPolicy } from "../../db/rollouts/store.ts";
import { log } from "../observability/index.ts";
import { type NoticeResult, sendRolloutNotice } from "./notify.ts";

export interface CheckOutcome {
  workflowId: string;
  verdict: GuardReport["verdict"];
  /** What changed: the action written to the log, or nothing. */
  action: "auto-halt" | "auto-promote" | "promotion-proposed" | null;
  revision: number;
  notified?: NoticeResult;
}

const percent = (v: number | null) => (v === null ? "–" : `${(v * 100).toFixed(1)} %`);
const range = (r: GuardReading, side: "baseline" | "candidate") => {
  const e = r[side];
  const fmt = r.unit === "rate" ? percent : (v: number | null) => (v === null ? "–" : `${v} min`);
  const interval = e.interval ? ` [${fmt(e.interval.low)}–${fmt(e.interval.high)}]` : "";
  return `${fmt(e.value)}${interval} of ${e.sample}`;
};

/** One line per guard: both versions' values with their 95 % intervals and samples, the limit and the status. */
export function guardLines(report: GuardReport): string[] {
  return report.readings.map((r) => {
    const limit = r.unit === "rate" ? `${(r.maxWorseBy * 100).toFixed(1)} pp` : `${r.maxWorseBy} min`;
    return `${r.label}: v${report.candidate} ${range(r, "candidate")} vs v${report.baseline} ${range(r, "baseline")}; limit +${limit}: ${r.status}`;
  });
}

async function act(
  db: MetricsDatabase,
  stored: StoredPolicy,
  report: GuardReport,
  now: number,
  actor: string,
): Promise<{ action: CheckOutcome["action"]; revision: number; subject?: string; lines?: string[] }> {
  const { policy, workflowId } = stored;
  const share = candidateShare(policy);
  const write = (next: typeof policy, action: NonNullable<CheckOutcome["action"]>, reason: string, restarts: boolean) =>
    changePolicy(db, {
      workflowId,
      expectedRevision: stored.revision,
      policy: next,
      actor,
      action,
      reason,
      figures: report,
      restartsStep: restarts,
      now,
    });
  if (report.verdict === "halt") {
    const breached = report.readings.filter((r) => r.status === "breached").map((r) => r.label);
    const reason = `${breached.join(", ")} worse than v${policy.baseline} beyond the limit`;
    const changed = await write(withCandidateShare(policy, 0, "halted"), "auto-halt", reason, true);
    return {
      action: "auto-halt",
      revision: changed.revision,
      subject: `Crossflow halted ${workflowId} v${policy.candidate} (${share} % of new cases → 0 %)`,
      lines: [
        `Why: ${reason}.`,
        ...guardLines(report),
        `v${policy.baseline} takes every new case again; cases already on v${policy.candidate} finish on it.`,
      ],
    };
  }
  if (report.verdict === "promote" && report.next !== null) {
    const reason = `every guard held over ${report.settled.candidate} cases at ${share} %`;
    const changed = await write(withCandidateShare(policy, report.next, "canary"), "auto-promote", reason, true);
    return {
      action: "auto-promote",
      revision: changed.revision,
      subject: `Crossflow moved ${workflowId} v${policy.candidate} from ${share} % to ${report.next} % of new cases`,
      lines: [`Why: ${reason}.`, ...guardLines(report)],
    };
  }
  if (report.verdict === "propose-promotion" && report.next !== null) {
    const reason = `every guard held over ${report.settled.candidate} cases at ${share} %: ${report.next} % proposed`;
    const changed = await write({ ...policy, state: "awaiting-approval" }, "promotion-proposed", reason, false);
    return {
      action: "promotion-proposed",
      revision: changed.revision,
      subject: `Crossflow proposes ${workflowId} v${policy.candidate} at ${report.next} % (now ${share} %): an admin decides`,
      lines: [`Why: ${reason}.`, ...guardLines(report)],
    };
  }
  return { action: null, revision: stored.revision };
}

/**
 * @example const outcomes = await checkRollouts(db, { config: env }); // [{ workflowId: "refund-dispute", verdict: "halt", action: "auto-halt", … }]
 */
export async function checkRollouts(
  db: MetricsDatabase,
  options: {
    config: Readonly<Record<string, unknown>>;
    now?: () => number;
    only?: string;
    /** Named in the change log's actor (`guard@deno`): which runtime's check acted. */
    runtime?: string;
  },
): Promise<CheckOutcome[]> {
  const now = options.now ?? Date.now;
  const policies = (await readPolicies(db)).filter(
    (p) =>
      (options.only === undefined || p.workflowId === options.only) &&
      (p.policy.state === "canary" || p.policy.state === "awaiting-approval"),
  );
  const outcomes: CheckOutcome[] = [];
  for (const stored of policies) {
    try {
      const report = await readGuardReport(db, stored);
      const done = await act(db, stored, report, now(), options.runtime ? `guard@${options.runtime}` : "guard");
      const outcome: CheckOutcome = {
        workflowId: stored.workflowId,
        verdict: report.verdict,
        action: done.action,
        revision: done.revision,
      };
      if (done.subject && done.lines) {
        const { slack, email } = stored.policy.notify;
        outcome.notified = await sendRolloutNotice(options.config, {
          key: `rollout:${stored.workflowId}:${done.revision}`,
          subject: done.subject,
          lines: done.lines,
          slack,
          email,
        });
        log.info("rollouts: guard check acted", {
          workflow: stored.workflowId,
          action: done.action,
          reason: done.subject,
        });
      }
      outcomes.push(outcome);
    } catch (error) {
      // Another instance changed the policy since it was read: that change stands; the next check reads it.
      if (error instanceof RolloutError && error.code === "stale_revision") continue;
      // One workflow's trouble must not keep the others' guards from being checked.
      log.error("rollouts: a workflow's guard check failed; the others go on", { workflow: stored.workflowId, error });
      outcomes.push({ workflowId: stored.workflowId, verdict: "none", action: null, revision: stored.revision });
    }
  }
  return outcomes;
}

/** How long a guard check may run before the next one is allowed anyway. */
const STUCK_MS = 30_000;

/**
 * Runs the check soon after new measurements, at most once per `gapMs` per instance and never twice at a time, so a
 * canary is halted seconds after the evidence lands rather than at the next minute. Answers the run it started (for a
 * platform's `waitUntil`), or null when one ran too recently.
 * @example const soon = checkSoon(databaseSource(config), config); ctx.waitUntil(soon() ?? Promise.resolve()); // after a metric batch was written
 */
export function checkSoon(
  source: DatabaseSource,
  config: Readonly<Record<string, unknown>>,
  options: { runtime?: string; gapMs?: number } = {},
): () => Promise<unknown> | null {
  const gapMs = options.gapMs ?? 5_000;
  let last = 0;
  let running = false;
  let trailing = false;
  const run = () => {
    last = Date.now();
    running = true;
    return checkRollouts(source.open(), { config, runtime: options.runtime })
      .catch((error: unknown) => log.error("rollouts: guard check failed; the next one tries again", { error }))
      .finally(() => {
        running = false;
      });
  };
  return () => {
    // A run whose context was torn down mid-way never settles: after STUCK_MS it no longer holds the next one back.
    if ((running && Date.now() - last < STUCK_MS) || Date.now() - last < gapMs) {
      // Evidence that lands during the gap is checked once the gap is over, so the last batches are never left
      // to the minute cron alone.
      if (!trailing) {
        trailing = true;
        setTimeout(
          () => {
            trailing = false;
            void run();
          },
          Math.max(gapMs - (Date.now() - last), 0) + 50,
        );
      }
      return null;
    }
    return run();
  };
}
