/**
 * A person's decision on a waiting task, sent from the dashboard (the inbox's list or a case's own page) to the case
 * API on their behalf: the form checked, the refusal explained in words, and where the case went after it.
 */
import { fail, type RequestEvent } from "@sveltejs/kit";
import { z } from "zod";
import { seqOf } from "$lib/cases/format";
import { requireRole } from "./auth/guard";
import { CaseApiError, type CaseView, getCase, postDecision } from "./case-api";
import { metricsDb } from "./db";
import { actorRoles, clearClaim, personalKey } from "./inbox";

const DecisionForm = z.object({
  workflow: z.string().min(1).max(100),
  caseKey: z.string().min(1).max(400),
  caseId: z.string().min(1).max(500),
  step: z.string().min(1).max(200),
  decision: z.enum(["approve", "reject", "resolve", "retry", "carry-out"]),
  idempotencyKey: z.string().regex(/^[\x21-\x7e]{1,200}$/, "the form's idempotency key is malformed"),
  note: z.string().trim().max(4000).optional(),
  outcome: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{0,79}$/, "the outcome is a short kebab-case label such as refunded-manually")
    .optional(),
  minutesSpent: z.coerce
    .number()
    .int("minutes spent is a whole number")
    .min(0)
    .max(24 * 60)
    .optional(),
});

/** The form's fields, with empty inputs left out (an empty note is no note). */
function fields(form: FormData): Record<string, string> {
  return Object.fromEntries(
    [...form].filter((e): e is [string, string] => typeof e[1] === "string" && e[1].trim() !== ""),
  );
}

/** What a refusal from the case API means for the person who pressed the button. */
function refusalMessage(error: CaseApiError, kind: string, step: string): string {
  switch (error.code) {
    case "wait_ended":
      return `This ${kind} was already closed: the case is no longer waiting for a decision on “${step}” (someone else decided it, or it timed out). Nothing was changed.`;
    case "already_decided":
      return `You have already decided “${step}”; your earlier decision stands. Nothing was changed.`;
    case "not_authorized":
      return `The case refused your decision: ${error.message}. Nothing was changed.`;
    case "self_approval":
      return `You asked for this approval, so someone else has to grant it. Nothing was changed.`;
    case "decision_not_allowed":
      return `That decision is not possible here: ${error.message}. Nothing was changed.`;
    case "outcome_not_declared":
      return `That outcome is not one this workflow closes cases with: ${error.message}. Nothing was changed.`;
    case "case_not_found":
      return `The case no longer exists in the worker. Nothing was changed.`;
    default:
      return `The decision could not be sent: ${error.message}. Nothing was changed; try again.`;
  }
}

/** After a decision the case resumes in its object: wait briefly for it to move past the step, to say where it went. */
async function afterDecision(
  workflow: string,
  caseKey: string,
  seq: number,
  step: string,
): Promise<Pick<CaseView["header"], "status" | "outcome"> & { movedOn: boolean; nextWait: string | null }> {
  const deadline = Date.now() + 3000;
  let view: CaseView | null = null;
  while (Date.now() < deadline) {
    view = await getCase(workflow, caseKey, seq).catch(() => null);
    if (view && view.wait?.stepId !== step) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const movedOn = !!view && view.wait?.stepId !== step;
  return {
    status: view?.header.status ?? "running",
    outcome: view?.header.outcome ?? null,
    movedOn,
    nextWait: view?.wait?.stepId ?? null,
  };
}

/**
 * The `decide` form action: sends the signed-in operator's decision and answers what happened (or why not).
 * @example export const actions = { decide: decideAction };
 */
export async function decideAction({ locals, request }: Pick<RequestEvent, "locals" | "request">) {
  const user = requireRole(locals, "operator");
  const parsed = DecisionForm.safeParse(fields(await request.formData()));
  if (!parsed.success) {
    return fail(400, {
      action: "decide",
      caseId: null,
      error: `The decision was not sent: ${parsed.error.issues.map((i) => i.message).join("; ")}.`,
    });
  }
  const d = parsed.data;
  if (d.decision === "resolve" && !d.outcome)
    return fail(400, {
      action: "decide",
      caseId: d.caseId,
      error: "Resolving needs an outcome (choose one): it is what the case closes with. Nothing was sent.",
    });
  const kind = d.decision === "approve" || d.decision === "reject" ? "approval" : "escalation";
  try {
    const accepted = await postDecision(
      d.workflow,
      d.caseKey,
      seqOf(d.caseId),
      {
        step: d.step,
        decision: d.decision,
        actor: { id: user.username, roles: actorRoles(user) },
        ...(d.note ? { note: d.note } : {}),
        ...(d.decision === "resolve" ? { outcome: d.outcome } : {}),
        ...(d.minutesSpent !== undefined ? { minutesSpent: d.minutesSpent } : {}),
      },
      // Bound to the signed-in person on the server: a key copied from someone else's form cannot take their place.
      personalKey(user.id, d.idempotencyKey),
    );
    await clearClaim(metricsDb(), d.caseId, d.step);
    const after = await afterDecision(d.workflow, d.caseKey, seqOf(d.caseId), d.step);
    return {
      action: "decide",
      caseId: d.caseId,
      workflow: d.workflow,
      caseKey: d.caseKey,
      decision: d.decision,
      duplicate: accepted.duplicate,
      ...after,
    };
  } catch (cause) {
    if (!(cause instanceof CaseApiError)) throw cause;
    return fail(cause.status >= 400 && cause.status < 500 ? cause.status : 502, {
      action: "decide",
      caseId: d.caseId,
      code: cause.code,
      error: refusalMessage(cause, kind, d.step),
    });
  }
}
