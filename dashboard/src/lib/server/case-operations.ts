/**
 * The dashboard's side of an operator's case operations (retry a failed step, cancel a case, reassign a person's task)
 * and of dead letters, through the worker's case API on behalf of the signed-in person. Server-only, like case-api.ts.
 */
import type {
  CaseOperationBody,
  DeadLetter,
  DeadLetterPage,
  OperationAccepted,
  ReassignBody,
} from "$workers/case-api.ts";
import type { CaseStatus, PendingWait } from "$workers/engine/types.ts";
import { CaseApiError, call, json, refusal } from "./case-api";

export type { DeadLetter, DeadLetterPage };
export type OperationKind = "retry" | "cancel" | "reassign";
export type OperationRequest = (CaseOperationBody | ReassignBody) & { actor: NonNullable<CaseOperationBody["actor"]> };

const casePath = (workflow: string, caseKey: string, seq: number | undefined, suffix: string) =>
  `/api/cases/${encodeURIComponent(workflow)}/${encodeURIComponent(caseKey)}${suffix}${seq === undefined ? "" : `?seq=${seq}`}`;

/**
 * Sends one operation; a refusal throws `CaseApiError` with the API's code (`nothing_to_retry`, `case_ended`,
 * `no_task`, `not_authorized`, `invalid_operation`, `case_not_found`).
 * @example await postOperation("refund-dispute", key, 1, "cancel", { reason: "customer withdrew", actor }, formKey);
 */
export async function postOperation(
  workflow: string,
  caseKey: string,
  seq: number | undefined,
  kind: OperationKind,
  body: OperationRequest,
  idempotencyKey: string,
  fetcher?: typeof fetch,
): Promise<OperationAccepted> {
  const what = `${kind} on ${caseKey} of ${workflow}`;
  const res = await call(
    casePath(workflow, caseKey, seq, `/${kind}`),
    {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": idempotencyKey },
      body: JSON.stringify(body),
    },
    fetcher,
  );
  if (res.status !== 200 && res.status !== 202) throw await refusal(res, what);
  return json<OperationAccepted>(res, what);
}

/** Which operations a case offers now: what the API would accept (a viewer sees none of them). */
export function operationsOffered(status: CaseStatus, wait: PendingWait | null): Record<OperationKind, boolean> {
  const human = wait?.kind === "human" ? wait.human : undefined;
  return {
    retry: status === "failed" || (human?.allowed.includes("retry") ?? false),
    cancel: status !== "resolved" && status !== "failed",
    reassign: human !== undefined,
  };
}

/** What a refused operation means for the person who pressed the button. */
export function operationRefusal(error: CaseApiError, kind: OperationKind): string {
  switch (error.code) {
    case "nothing_to_retry":
      return "There is nothing to retry any more: the case is no longer failed or waiting on a failed step. The page shows it as it is now.";
    case "case_ended":
      return "The case already ended, so it cannot be cancelled. The page shows how it ended.";
    case "no_task":
      return "The case no longer waits for a person, so there is no task to move.";
    case "not_authorized":
      return `You do not hold the role this task needs: ${error.message}`;
    case "invalid_operation":
      return `Nothing was done: ${error.message}`;
    default:
      return `The ${kind} was not done: ${error.message}`;
  }
}

/**
 * One page of dead letters, newest first (`before`: the `next` of the previous page).
 * @example const { deadLetters, next } = await listDeadLetters({ status: "pending" });
 */
export async function listDeadLetters(
  query: { status?: "pending" | "replayed" | "all"; source?: string; before?: number; limit?: number },
  fetcher?: typeof fetch,
): Promise<DeadLetterPage> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const res = await call(`/api/dead-letters?${params}`, {}, fetcher);
  if (!res.ok) throw await refusal(res, "listing dead letters");
  return json<DeadLetterPage>(res, "listing dead letters");
}

/** One dead letter with its payload, or null when there is none with this id. */
export async function getDeadLetter(id: number, fetcher?: typeof fetch): Promise<DeadLetter | null> {
  const res = await call(`/api/dead-letters/${id}`, {}, fetcher);
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) throw await refusal(res, `reading dead letter ${id}`);
  return json<DeadLetter>(res, `reading dead letter ${id}`);
}

/**
 * Routes a dead letter again as if it had just arrived (`workflow`: the case a person picked for a customer's message
 * that named none). Refusals: 409 `already_replayed` / `still_unroutable`, 404 `dead_letter_not_found`.
 */
export async function replayDeadLetter(
  id: number,
  workflow: string | undefined,
  fetcher?: typeof fetch,
): Promise<{ replayed: true; result: Record<string, unknown> }> {
  const res = await call(
    `/api/dead-letters/${id}/replay`,
    {
      method: "POST",
      ...(workflow ? { headers: { "content-type": "application/json" }, body: JSON.stringify({ workflow }) } : {}),
    },
    fetcher,
  );
  if (!res.ok) throw await refusal(res, `replaying dead letter ${id}`);
  return json(res, `replaying dead letter ${id}`);
}

export { CaseApiError };
