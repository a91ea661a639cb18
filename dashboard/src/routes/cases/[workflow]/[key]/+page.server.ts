import { error } from "@sveltejs/kit";
import { agentSteps, conversation, openerMessage } from "$lib/cases/story";
import { hasRole, requireRole } from "$lib/server/auth/guard";
import { CaseApiError, getAudit, getCase } from "$lib/server/case-api";
import { operationsOffered } from "$lib/server/case-operations";
import type { Actions, PageServerLoad } from "./$types";
import { caseOperationActions } from "./operations.server";

export const load: PageServerLoad = async ({ locals, params, url }) => {
  requireRole(locals, "viewer");
  const { workflow, key } = params;
  // Which of the key's cases (a returning customer has several): the API picks the latest when none is named.
  const rawSeq = url.searchParams.get("seq");
  const seq = rawSeq !== null && /^[1-9][0-9]{0,8}$/.test(rawSeq) ? Number(rawSeq) : undefined;
  if (rawSeq !== null && seq === undefined)
    error(400, `"${rawSeq.slice(0, 20)}" is not a case number: use ?seq=1 for the key's first case, 2 for the next.`);
  try {
    const [view, audit] = await Promise.all([getCase(workflow, key, seq), getAudit(workflow, key, seq)]);
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
      agentSteps: agentSteps(view),
      audit,
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

export const actions: Actions = caseOperationActions;
