import { error, redirect } from "@sveltejs/kit";
import { agentSteps, conversation, openerMessage } from "$lib/cases/story";
import { historyPath } from "$lib/demo-history";
import { hasRole, requireRole } from "$lib/server/auth/guard";
import { CaseApiError, getAudit, getCase, getTranslatedConversation, type HumanTask } from "$lib/server/case-api";
import { operationsOffered } from "$lib/server/case-operations";
import { metricsDb } from "$lib/server/db";
import { decideAction } from "$lib/server/decide";
import { historyCase } from "$lib/server/demo-history";
import { decisionKey, type InboxItem } from "$lib/server/inbox";
import { SURVEY_PREFIX } from "$workers/engine/types.ts";
import type { Actions, PageServerLoad } from "./$types";
import { caseOperationActions } from "./operations.server";

/** The waiting task as the inbox's decision form takes it, for an operator; null otherwise. */
function decisionItemOf(
  view: NonNullable<Awaited<ReturnType<typeof getCase>>>,
  user: App.Locals["user"],
): (InboxItem & { decisionKey: string }) | null {
  const wait = view.wait;
  if (!user || !hasRole(user, "operator") || wait?.kind !== "human") return null;
  const h = view.header;
  return {
    caseId: h.caseId,
    workflowId: h.workflowId,
    workflowVersion: h.workflowVersion,
    caseKey: h.caseKey,
    status: h.status,
    openedAt: h.openedAt,
    stepId: wait.stepId,
    waitingSince: wait.startedAt,
    // The API contract types the task from zod; the form reads the engine's type of the same object.
    task: wait.human as HumanTask,
    decidedBy: view.decisions.filter((d) => d.stepId === wait.stepId).map((d) => d.actor.id),
    claim: null,
    decisionKey: decisionKey(user.id, h.caseId, wait.stepId, wait.startedAt),
  };
}

export const load: PageServerLoad = async ({ locals, params, url }) => {
  requireRole(locals, "viewer");
  const { workflow, key } = params;
  // Which of the key's cases (a returning customer has several): the API picks the latest when none is named.
  const rawSeq = url.searchParams.get("seq");
  const seq = rawSeq !== null && /^[1-9][0-9]{0,8}$/.test(rawSeq) ? Number(rawSeq) : undefined;
  if (rawSeq !== null && seq === undefined)
    error(400, `"${rawSeq.slice(0, 20)}" is not a case number: use ?seq=1 for the key's first case, 2 for the next.`);
  try {
    // "Read in English": the conversation translated by the worker's model, a reading aid beside the original.
    const readIn = url.searchParams.get("read") === "en" ? "en" : null;
    const [view, audit, translated] = await Promise.all([
      getCase(workflow, key, seq),
      getAudit(workflow, key, seq),
      readIn ? getTranslatedConversation(workflow, key, seq, readIn) : null,
    ]);
    // A demo history case lives in no case object: its generated summary is its page.
    if ((!view || !audit) && seq === undefined && (await historyCase(metricsDb(), workflow, key)))
      redirect(307, historyPath(workflow, key));
    if (!view || !audit)
      error(
        404,
        `There is no case "${key}" in workflow ${workflow}. It may have a different key, or belong to another workflow.`,
      );
    return {
      header: view.header,
      opener: view.opener,
      wait: view.wait,
      decisions: view.decisions,
      timeline: view.timeline,
      steps: view.steps.map(({ id, kind, startedAt, finishedAt }) => ({ id, kind, startedAt, finishedAt })),
      attempts: view.attempts,
      openerMessage: openerMessage(view.opener),
      conversation: conversation(view),
      readIn,
      translation: translated,
      // Resolved, and its satisfaction question still awaits the customer's answer: the case's only wait left.
      awaitingSurvey: view.header.status === "resolved" && (view.wait?.stepId.startsWith(SURVEY_PREFIX) ?? false),
      agentSteps: agentSteps(view),
      audit,
      // The task the case waits on, decided here as in the inbox (the same key: one decision from either place).
      decisionItem: decisionItemOf(view, locals.user),
      // The operations an operator may run on the case as it stands (retry, cancel, reassign), none for a viewer.
      operations: hasRole(locals.user, "operator")
        ? operationsOffered(view.header.status, view.wait)
        : { retry: false, cancel: false, reassign: false },
      // One key per rendering of the case's state: a double submit is one operation, a later state a new one.
      operationKey: `${view.header.caseId}|${view.header.updatedAt}`,
      loadedAt: Date.now(),
    };
  } catch (cause) {
    if (cause instanceof CaseApiError)
      error(
        cause.status === 0 || cause.status >= 500 ? 503 : cause.status,
        `The case could not be read from the worker: ${cause.message}`,
      );
    throw cause;
  }
};

export const actions: Actions = { ...caseOperationActions, decide: decideAction };
