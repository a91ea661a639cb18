/**
 * The escalation inbox: open human tasks (escalations and approvals) by SLA deadline. The `cases` table says
 * which cases are parked on a person (`awaiting_person`, not every case waiting for a customer), one page at a time;
 * the page's tasks come from their objects in one request to the case API (`GET /api/tasks`). Claims are advisory
 * notes in `escalation_claims`.
 */
import { createHash } from "node:crypto";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { MetricsDatabase } from "$db/client.ts";
import { cases, escalationClaims, users } from "$db/schema.ts";
import type { CaseTasks } from "$workers/case-api.ts";
import { call, type HumanTask, json, refusal } from "./case-api.ts";

/** Tasks per inbox page: each shown task is one request to its case's object. */
export const INBOX_CANDIDATES = 50;

export interface Claim {
  userId: string;
  username: string;
  claimedAt: number;
}

export interface InboxItem {
  caseId: string;
  workflowId: string;
  workflowVersion: number;
  caseKey: string;
  status: string;
  openedAt: number;
  stepId: string;
  /** When the person's part began (this hand-off). */
  waitingSince: number;
  task: HumanTask;
  /** Decisions already recorded for this step (a two-person approval's first approver). */
  decidedBy: string[];
  claim: Claim | null;
}

export interface Inbox {
  items: InboxItem[];
  /** Cases the database marks as parked on a person (escalated, or waiting for an approval) that match the filters. */
  candidates: number;
  /** Those the inbox read for this page (the oldest first: they are the nearest their deadlines). */
  read: number;
  /** Cases that could not be read, with why. */
  problems: string[];
  /** Which page of `pageSize` this is (from 0). */
  page: number;
  pageSize: number;
  facets: InboxFacet[];
}

/**
 * What each case waits for, in one request to the worker (`GET /api/tasks`, its rows read in parallel there), in the
 * order asked. The whole inbox needs the API: not configured, unreachable or refused throws.
 */
async function readTasks(caseIds: string[]): Promise<CaseTasks["tasks"]> {
  if (caseIds.length === 0) return [];
  const what = "reading the inbox's tasks";
  const res = await call(`/api/tasks?${caseIds.map((id) => `case=${encodeURIComponent(id)}`).join("&")}`);
  if (!res.ok) throw await refusal(res, what);
  return (await json<CaseTasks>(res, what)).tasks;
}

/** Current claims on `caseIds`, with the claimant's username. */
async function claimsOf(db: MetricsDatabase, caseIds: string[]): Promise<Map<string, Claim & { stepId: string }>> {
  if (caseIds.length === 0) return new Map();
  const rows = await db
    .select({
      caseId: escalationClaims.caseId,
      stepId: escalationClaims.stepId,
      userId: escalationClaims.userId,
      claimedAt: escalationClaims.claimedAt,
      username: users.username,
    })
    .from(escalationClaims)
    .leftJoin(users, eq(users.id, escalationClaims.userId))
    .where(inArray(escalationClaims.caseId, caseIds));
  return new Map(
    rows.map((r) => [
      r.caseId,
      { stepId: r.stepId, userId: r.userId, claimedAt: Number(r.claimedAt), username: r.username ?? r.userId },
    ]),
  );
}

/** Which tasks the inbox shows: a workflow, a kind, a case key containing `q`, a queue, and the page (from 0). */
export interface InboxQuery {
  workflow?: string;
  kind?: "approval" | "escalation";
  q?: string;
  queue?: string;
  page?: number;
}

/** How many open tasks each workflow has, by kind: the filters' choices and counts (from the same table). */
export interface InboxFacet {
  workflowId: string;
  kind: "approval" | "escalation";
  n: number;
}

/** `LIKE` text with its wildcards escaped, so a search for `a_b` finds `a_b` only. */
const likeText = (q: string) => `%${q.replaceAll("\\", "\\\\").replaceAll("%", "\\%").replaceAll("_", "\\_")}%`;

/**
 * One page of the open human tasks, read in one query from the case rows (`cases.awaiting_person`; the kind is the
 * row's status: an escalation parks a case `escalated`, an approval `waiting`), filtered by workflow, kind and case
 * key; only the page's tasks (their packets, queue, SLA) are read through the case API, the nearest SLA deadline
 * first within the page. A queue filter applies to the page's tasks, since the queue lives in the case, not the row.
 * @example const { items } = await loadInbox(metricsDb(), { workflow: "refund-dispute", kind: "approval" });
 */
export async function loadInbox(
  db: MetricsDatabase,
  query: InboxQuery = {},
  pageSize = INBOX_CANDIDATES,
): Promise<Inbox> {
  const conditions = [eq(cases.awaitingPerson, true)];
  if (query.workflow) conditions.push(eq(cases.workflowId, query.workflow));
  if (query.kind) conditions.push(eq(cases.status, query.kind === "escalation" ? "escalated" : "waiting"));
  if (query.q) conditions.push(sql`${cases.caseKey} LIKE ${likeText(query.q)} ESCAPE '\\'`);
  const where = and(...conditions);
  const page = Math.max(0, query.page ?? 0);
  const [candidates, counted, facets] = await Promise.all([
    db
      .select({ caseId: cases.caseId, caseKey: cases.caseKey, workflowId: cases.workflowId, status: cases.status })
      .from(cases)
      .where(where)
      // The longest-waiting first, whose deadlines come first (cases_awaiting_person_idx).
      .orderBy(asc(cases.updatedAt))
      .limit(pageSize)
      .offset(page * pageSize),
    db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${cases} WHERE ${where}`),
    db
      .select({ workflowId: cases.workflowId, status: cases.status, n: sql<number>`count(*)` })
      .from(cases)
      .where(eq(cases.awaitingPerson, true))
      .groupBy(cases.workflowId, cases.status),
  ]);
  const problems: string[] = [];
  const items: Omit<InboxItem, "claim">[] = [];
  for (const answer of await readTasks(candidates.map((c) => c.caseId))) {
    if (!answer.found) {
      problems.push(`${answer.caseId}: the worker has no such case`);
      continue;
    }
    const { header, decidedBy } = answer;
    const wait = header.wait;
    // A case the row marks may have moved on since it reported (a customer wait is not a person's task).
    if (wait?.kind !== "human" || !wait.human) continue;
    items.push({
      caseId: header.caseId,
      workflowId: header.workflowId,
      workflowVersion: header.workflowVersion,
      caseKey: header.caseKey,
      status: header.status,
      openedAt: header.openedAt,
      stepId: wait.stepId,
      waitingSince: wait.startedAt,
      task: wait.human as HumanTask,
      decidedBy,
    });
  }
  items.sort(
    (a, b) => (a.task.slaDeadline ?? Infinity) - (b.task.slaDeadline ?? Infinity) || a.waitingSince - b.waitingSince,
  );
  if (query.queue) items.splice(0, items.length, ...items.filter((i) => i.task.queue === query.queue));
  const claims = await claimsOf(
    db,
    items.map((i) => i.caseId),
  );
  return {
    // A claim on an earlier hand-off of the same case is stale: the task it named is gone.
    items: items.map((i) => {
      const claim = claims.get(i.caseId);
      return {
        ...i,
        claim:
          claim && claim.stepId === i.stepId
            ? { userId: claim.userId, username: claim.username, claimedAt: claim.claimedAt }
            : null,
      };
    }),
    candidates: Number(counted?.n ?? 0),
    read: candidates.length,
    problems,
    page,
    pageSize,
    facets: facets.map((f) => ({
      workflowId: f.workflowId,
      kind: f.status === "escalated" ? ("escalation" as const) : ("approval" as const),
      n: Number(f.n),
    })),
  };
}

/**
 * The `Idempotency-Key` a person's decision form carries: the same for every render of the same hand-off to the
 * same person (so a double submit, or a submit after an auto-refresh, is one decision), new for a new hand-off.
 */
export function decisionKey(userId: string, caseId: string, stepId: string, waitingSince: number): string {
  return `dash-${createHash("sha256").update([userId, caseId, stepId, waitingSince].join("\n")).digest("hex").slice(0, 40)}`;
}

/** The Idempotency-Key sent to the case API: the form's key, bound to the person who sends it. */
export function personalKey(userId: string, formKey: string): string {
  return `dash-${createHash("sha256").update(`${userId}\n${formKey}`).digest("hex").slice(0, 40)}`;
}

/**
 * Claims a task for `userId`: refused (with who holds it) when someone else holds a current claim on the same step.
 * @example await claim(db, { caseId, stepId, userId: user.id });
 */
export async function claim(
  db: MetricsDatabase,
  input: { caseId: string; stepId: string; userId: string },
  now = Date.now(),
): Promise<{ ok: true } | { ok: false; heldBy: Claim }> {
  const current = (await claimsOf(db, [input.caseId])).get(input.caseId);
  if (current && current.stepId === input.stepId && current.userId !== input.userId)
    return { ok: false, heldBy: current };
  await db
    .insert(escalationClaims)
    .values({ ...input, claimedAt: now })
    .onConflictDoUpdate({
      target: escalationClaims.caseId,
      set: { stepId: input.stepId, userId: input.userId, claimedAt: now },
    });
  return { ok: true };
}

/** Releases a claim: one's own, or anyone's for an admin (`anyone`). True when there was one to release. */
export async function unclaim(
  db: MetricsDatabase,
  input: { caseId: string; userId: string; anyone?: boolean },
): Promise<boolean> {
  const where = input.anyone
    ? eq(escalationClaims.caseId, input.caseId)
    : and(eq(escalationClaims.caseId, input.caseId), eq(escalationClaims.userId, input.userId));
  const removed = await db.delete(escalationClaims).where(where).returning({ caseId: escalationClaims.caseId });
  return removed.length > 0;
}

/** A decided task's claim is done with. */
export async function clearClaim(db: MetricsDatabase, caseId: string, stepId: string): Promise<void> {
  await db
    .delete(escalationClaims)
    .where(and(eq(escalationClaims.caseId, caseId), eq(escalationClaims.stepId, stepId)));
}

/**
 * The roles a dashboard user decides with: their dashboard role, `operator` for admins too (an admin may do what an
 * operator does), and the extra task roles their account holds (e.g. `compliance`).
 */
export function actorRoles(user: { role: "viewer" | "operator" | "admin"; taskRoles: readonly string[] }): string[] {
  return [...new Set([user.role, ...(user.role === "admin" ? ["operator"] : []), ...user.taskRoles])];
}
