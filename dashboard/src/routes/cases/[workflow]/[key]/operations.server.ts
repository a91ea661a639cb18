/**
 * The case page's form actions for an operator's case operations: retry a failed step, cancel the case, reassign its
 * waiting task, each with the person's reason, sent through the case API on their behalf (audited by the case).
 */
import { type ActionFailure, fail, type RequestEvent } from "@sveltejs/kit";
import { z } from "zod";
import { requireRole } from "$lib/server/auth/guard";
import { CaseApiError, type OperationKind, operationRefusal, postOperation } from "$lib/server/case-operations";
import { actorRoles, personalKey } from "$lib/server/inbox";

const QUEUE = /^[a-z0-9][a-z0-9-]{0,79}$/;

const OperationForm = z.object({
  reason: z.string().trim().min(3, "say why in a few words (at least 3 characters)").max(2000),
  queue: z.string().trim().optional(),
  seq: z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/)
    .optional(),
  operationKey: z.string().min(1).max(400),
});

export interface OperationOutcome {
  op: OperationKind;
  ok: boolean;
  message: string;
}

const DONE: Record<OperationKind, (status: string, queue?: string) => string> = {
  retry: (status) => `Retried: the case runs again (now ${status}). Your reason is in its audit trail.`,
  cancel: () =>
    "Cancelled: the case ended as resolved with the outcome “cancelled”. Your reason is in its audit trail.",
  reassign: (_status, queue) => `Moved to the ${queue} queue. Your reason is in the case's audit trail.`,
};

async function operate(
  kind: OperationKind,
  { locals, request, params }: RequestEvent<{ workflow: string; key: string }>,
): Promise<OperationOutcome | ActionFailure<OperationOutcome>> {
  const user = requireRole(locals, "operator");
  const form = Object.fromEntries(
    [...(await request.formData())].filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""),
  );
  const parsed = OperationForm.safeParse(form);
  if (!parsed.success)
    return fail(400, { op: kind, ok: false, message: `Nothing was done: ${parsed.error.issues[0]?.message}.` });
  const { reason, queue, seq, operationKey } = parsed.data;
  if (kind === "reassign" && (!queue || !QUEUE.test(queue)))
    return fail(400, {
      op: kind,
      ok: false,
      message: "Nothing was done: name the queue in lower case with dashes (e.g. refund-leads).",
    });
  try {
    const answer = await postOperation(
      params.workflow,
      params.key,
      seq === undefined ? undefined : Number(seq),
      kind,
      { reason, actor: { id: user.username, roles: actorRoles(user) }, ...(kind === "reassign" ? { queue } : {}) },
      // Bound to the signed-in person and this rendering of the case: a double submit is one operation.
      personalKey(user.id, `${kind}|${operationKey}`),
    );
    return {
      op: kind,
      ok: true,
      message: answer.duplicate
        ? `Already done: nothing changed (${answer.status}).`
        : DONE[kind](answer.status, queue),
    };
  } catch (cause) {
    if (!(cause instanceof CaseApiError)) throw cause;
    const status = cause.status >= 400 && cause.status < 500 ? cause.status : 502;
    return fail(status, { op: kind, ok: false, message: operationRefusal(cause, kind) });
  }
}

export const caseOperationActions = {
  retry: (event: RequestEvent<{ workflow: string; key: string }>) => operate("retry", event),
  cancel: (event: RequestEvent<{ workflow: string; key: string }>) => operate("cancel", event),
  reassign: (event: RequestEvent<{ workflow: string; key: string }>) => operate("reassign", event),
};
