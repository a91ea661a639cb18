/**
 * SLAs of people's tasks. While an escalation or an approval waits for a person, its deadline is watched: once it
 * passes with no decision the case records a breach (a step of its own, `<id>:sla-breach:<n>`, so a replay returns
 * it instead of deciding again), moves the task to the next declared queue with that queue's deadline, and tells
 * people through the declared notifier (another step, `<id>:sla-notice:<n>`, with its own idempotency key). A
 * failing notifier is retried with the engine's backoff while the task keeps waiting; a decision still decides at
 * any time. Pure: the core calls this with its clock, journal and attempt runner.
 */
import { HUMAN_SOURCE } from "./human.ts";
import type {
  Duration,
  HumanTask,
  PendingWait,
  RetryPolicy,
  RetryState,
  SlaBreach,
  SlaHop,
  SlaNotice,
  SlaNoticeRecord,
  SlaNotifier,
  StepContext,
  StepRecord,
} from "./types.ts";

/** A queue the task may move to, with its SLA in (scaled) milliseconds. */
export interface PlannedHop {
  queue: string;
  role?: string;
  slaMs: number | null;
}

/** The queues after the first one, in order, and who is told of each breach. */
export interface SlaPlan {
  hops: readonly PlannedHop[];
  notifier: SlaNotifier | null;
}

/**
 * Flattens a step's `then` (one queue, a list, or queues that name their own `then`) into the order the task moves.
 * @example slaPlan({ queue: "refund-leads", sla: "4h" }, 8 * HOUR, parseDuration, null).hops // → [{ queue: "refund-leads", slaMs: 14400000 }]
 */
export function slaPlan(
  then: SlaHop | readonly SlaHop[] | undefined,
  baseSlaMs: number | null,
  span: (d: Duration) => number,
  notifier: SlaNotifier | null,
): SlaPlan {
  const hops: PlannedHop[] = [];
  const visit = (hop: SlaHop | readonly SlaHop[] | undefined): void => {
    if (hop === undefined) return;
    if (Array.isArray(hop)) {
      for (const h of hop as readonly SlaHop[]) visit(h);
      return;
    }
    const one = hop as SlaHop;
    hops.push({
      queue: one.queue,
      ...(one.role ? { role: one.role } : {}),
      slaMs: one.sla === undefined ? baseSlaMs : span(one.sla),
    });
    visit(one.then);
  };
  visit(then);
  return { hops, notifier };
}

export const breachStepId = (id: string, n: number) => `${id}:sla-breach:${n}`;
export const noticeStepId = (id: string, n: number) => `${id}:sla-notice:${n}`;
/** The prefix of every SLA record of the wait on `id`: they sit in the journal right before the step's own record. */
export const slaRecordPrefix = (id: string) => `${id}:sla-`;
const breachNumber = (record: StepRecord) => Number(record.id.slice(record.id.lastIndexOf(":") + 1));
const isBreach = (id: string, record: StepRecord) => record.id.startsWith(`${id}:sla-breach:`);

/** The task after `breach`: in its next queue with that queue's deadline, or left where it is, marked overdue. */
export function applyBreach(task: HumanTask, breach: SlaBreach): HumanTask {
  const { slaBreachedAt: _previous, ...rest } = task;
  if (breach.movedTo)
    return { ...rest, queue: breach.movedTo.queue, role: breach.movedTo.role, slaDeadline: breach.movedTo.slaDeadline };
  return { ...rest, slaBreachedAt: breach.deadline + breach.lateMs };
}

/** One attempt of a step's function: its output, or the step's next retry state (`final`: no attempts left). */
export type AttemptResult<T> =
  | { ok: true; output: T; startedAt: number }
  | { ok: false; state: RetryState; final: boolean };

/** What the core lends the SLA watch: its clock, the retry states, one attempt of a step, and how to stop the body. */
export interface SlaContext {
  workflowId: string;
  caseKey: string;
  now(): number;
  retries: Readonly<Record<string, RetryState>>;
  attempt<T>(
    id: string,
    fn: (ctx: StepContext) => T | Promise<T>,
    previous: RetryState | undefined,
    policy: RetryPolicy,
  ): Promise<AttemptResult<T>>;
  /** Stops the body with a breach or a notice to record; the case stays parked on `wait`. */
  record(result: { record: StepRecord; wait: PendingWait; breach: SlaBreach; notice?: SlaNoticeRecord }): never;
  /** Stops the body parked on `wait` after a notice's failed attempt (retried at `retry.state.notBefore`). */
  retryNotice(result: { wait: PendingWait; retry: { stepId: string; state: RetryState }; wakeAt: number }): never;
}

/** The wait on `id`: started at `startedAt`, given up at `deadline` (an approval's timeout), for `task`. */
export interface WatchedWait {
  id: string;
  startedAt: number;
  deadline: number | null;
  task: HumanTask;
}

/**
 * Keeps a person's wait on time. `records` are the wait's SLA records as replayed; the task as it stands now (maybe in
 * a later queue) comes back with the earliest moment a notice in backoff may be sent again. When something is due it
 * does not return: the next breach, or the next notice (sent, given up, or failed and to be retried), is recorded.
 * @example const { task, wakeAt } = await watchSla(ctx, { id, startedAt, deadline: null, task }, plan, records);
 */
export async function watchSla(
  ctx: SlaContext,
  wait: WatchedWait,
  plan: SlaPlan,
  records: readonly StepRecord[],
): Promise<{ task: HumanTask; wakeAt: number | null }> {
  const { id, startedAt } = wait;
  // Breaches of earlier hand-offs of the same step count for numbering only: this wait starts its queues afresh.
  const allBreaches = records.filter((r) => isBreach(id, r));
  const mine = allBreaches.filter((r) => (r.output as SlaBreach).waitStartedAt === startedAt);
  let task = wait.task;
  for (const r of mine) task = applyBreach(task, r.output as SlaBreach);
  const parked = (human: HumanTask): PendingWait => ({
    kind: "human",
    stepId: id,
    startedAt,
    deadline: wait.deadline,
    sources: [HUMAN_SOURCE],
    types: [],
    human,
  });

  const now = ctx.now();
  if (task.slaDeadline !== null && task.slaBreachedAt === undefined && now >= task.slaDeadline) {
    const next = plan.hops[mine.length];
    const breach: SlaBreach = {
      waitStartedAt: startedAt,
      hop: mine.length + 1,
      queue: task.queue,
      role: task.role,
      deadline: task.slaDeadline,
      lateMs: now - task.slaDeadline,
      // The next queue's clock starts when the task reaches it, not when the previous deadline passed.
      movedTo: next
        ? {
            queue: next.queue,
            role: next.role ?? task.role,
            slaDeadline: next.slaMs === null ? null : now + next.slaMs,
          }
        : null,
    };
    const record: StepRecord = {
      id: breachStepId(id, allBreaches.length + 1),
      kind: "sla",
      output: breach,
      startedAt: now,
      finishedAt: now,
    };
    return ctx.record({ record, wait: parked(applyBreach(task, breach)), breach });
  }

  const notifier = plan.notifier;
  if (!notifier) return { task, wakeAt: null };
  const noticed = new Set(records.map((r) => r.id));
  const pending = mine
    .map((r) => ({ n: breachNumber(r), breach: r.output as SlaBreach }))
    .filter((p) => !noticed.has(noticeStepId(id, p.n)));
  const dueAt = (p: { n: number }) => Math.max(now, ctx.retries[noticeStepId(id, p.n)]?.notBefore ?? now);
  const due = pending.find((p) => dueAt(p) <= now);
  const wakeAt = (except?: { n: number }) =>
    pending
      .filter((p) => p !== except)
      .reduce<number | null>((at, p) => (at === null ? dueAt(p) : Math.min(at, dueAt(p))), null);
  if (!due) return { task, wakeAt: wakeAt() };

  const stepId = noticeStepId(id, due.n);
  const notice: SlaNotice = {
    workflowId: ctx.workflowId,
    caseKey: ctx.caseKey,
    stepId: id,
    kind: task.kind,
    title: task.packet.title,
    reason: task.packet.reason,
    breach: due.breach,
  };
  const result = await ctx.attempt(stepId, (c) => notifier.send(notice, c), ctx.retries[stepId], {});
  if (!result.ok && !result.final) {
    const others = wakeAt(due);
    return ctx.retryNotice({
      wait: parked(task),
      retry: { stepId, state: result.state },
      wakeAt: others === null ? result.state.notBefore : Math.min(others, result.state.notBefore),
    });
  }
  // Sent, or given up after the last attempt: either way it is recorded once and never holds the task up again.
  const output: SlaNoticeRecord = result.ok
    ? { notifier: notifier.name, hop: due.breach.hop, sent: result.output ?? null }
    : {
        notifier: notifier.name,
        hop: due.breach.hop,
        sent: null,
        error: { ...result.state.lastError, attempts: result.state.failures },
      };
  const at = ctx.now();
  const record: StepRecord = {
    id: stepId,
    kind: "sla",
    output,
    startedAt: result.ok ? result.startedAt : at,
    finishedAt: at,
  };
  return ctx.record({ record, wait: parked(task), breach: due.breach, notice: output });
}

/** A duration as people read it on a notice: `45 min`, `2 h 5 min`, `3 d 4 h`. */
function spanText(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return hours % 24 ? `${Math.floor(hours / 24)} d ${hours % 24} h` : `${Math.floor(hours / 24)} d`;
}
const timeText = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;

/**
 * What a notice says, in plain words, for any channel: a subject line and the body's lines (the task, where it waited
 * past which deadline and how late, where it went and when it is due there, and why a person was needed).
 * @example const { subject, lines } = slaNoticeText(notice); await email.send({ from, to, subject, text: lines.join("\n") }, ctx);
 */
export function slaNoticeText(notice: SlaNotice): { subject: string; lines: string[] } {
  const { breach } = notice;
  const kind = notice.kind === "approval" ? "Approval" : "Escalation";
  const next = breach.movedTo
    ? `Moved to queue ${breach.movedTo.queue} (role ${breach.movedTo.role})${breach.movedTo.slaDeadline === null ? "" : `, due ${timeText(breach.movedTo.slaDeadline)}`}.`
    : `No further queue: it stays in ${breach.queue}, overdue.`;
  return {
    subject: `SLA missed: ${notice.title}`.slice(0, 200),
    lines: [
      `${kind} "${notice.stepId}" of ${notice.workflowId} · ${notice.caseKey} waited in queue ${breach.queue} past its deadline, ${timeText(breach.deadline)} (${spanText(breach.lateMs)} late).`,
      next,
      `Reason: ${notice.reason}`,
    ],
  };
}
