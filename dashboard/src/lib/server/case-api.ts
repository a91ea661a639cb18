/**
 * The dashboard's client for the worker's case API (README "Case API"): read a case and its audit trail, send a
 * person's decision on their behalf. Server-only: the API token never reaches the browser. Every failure is a
 * `CaseApiError` naming what went wrong (not configured, unreachable, refused with the API's own code).
 */
import { getRequestEvent } from "$app/server";
import { env } from "$env/dynamic/private";
import type { CaseAudit, CaseConversation, CaseView, DecisionAccepted, DecisionBody } from "$workers/case-api.ts";
import type { AuditEntry, ChainVerdict } from "$workers/engine/audit.ts";
import type { CaseStatus, HumanDecisionKind, HumanTask, PendingWait, StepRecord } from "$workers/engine/types.ts";

// The answers' shapes come from the case API's own contract (workers/case-api.ts), the schemas the worker serves.
export type {
  AuditEntry,
  CaseAudit,
  CaseStatus,
  CaseView,
  ChainVerdict,
  DecisionAccepted,
  HumanDecisionKind,
  HumanTask,
  PendingWait,
  StepRecord,
};

/** A person's decision as `POST …/decisions` takes it; the dashboard always names the signed-in person. */
export type DecisionRequest = DecisionBody & { actor: NonNullable<DecisionBody["actor"]> };

/**
 * A call to the case API that did not give the expected answer. `status` is the HTTP status (0: no answer at
 * all), `code` the API's `error.code` (`wait_ended`, `already_decided`, `not_authorized`, ...) or one of ours:
 * `not_configured`, `unreachable`, `bad_answer`.
 */
export class CaseApiError extends Error {
  override name = "CaseApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const TIMEOUT_MS = 10_000;

type WorkerBinding = NonNullable<App.Platform["env"]["CROSSFLOW_WORKER"]>;

/** The worker's Cloudflare service binding (`CROSSFLOW_WORKER` in dashboard/wrangler.toml), when this runs as a Worker. */
function workerBinding(): WorkerBinding | undefined {
  try {
    return getRequestEvent().platform?.env.CROSSFLOW_WORKER;
  } catch {
    return undefined; // Outside a request: no platform to ask.
  }
}

/**
 * How to reach the worker: `CROSSFLOW_WORKER_URL` when set (Node, `npm start`, or a Worker pointed at a worker
 * elsewhere), else on Cloudflare the service binding, whose requests never leave Cloudflare (the URL's host is then
 * only a label). `where` names the way in errors.
 */
function settings(): { url: string; token: string; where: string; via?: WorkerBinding } {
  const url = env.CROSSFLOW_WORKER_URL?.trim();
  const token = env.CROSSFLOW_API_TOKEN?.split(",")[0]?.trim();
  const via = url ? undefined : workerBinding();
  if (!url && !via)
    throw new CaseApiError(
      0,
      "not_configured",
      "CROSSFLOW_WORKER_URL is not set: point it at the worker (npm start does this locally)",
    );
  if (!token)
    throw new CaseApiError(
      0,
      "not_configured",
      "CROSSFLOW_API_TOKEN is not set: the dashboard needs one of the worker's API tokens",
    );
  if (via) return { url: "https://crossflow", token, where: "through its service binding CROSSFLOW_WORKER", via };
  const base = url!.replace(/\/+$/, "");
  return { url: base, token, where: `at ${base}` };
}

/**
 * `/api/cases/<workflow>/<case key>`: case keys hold `:`, `/`, `#`, so each part is one encoded segment. A key may
 * have several cases over time (a returning customer): `seq` names one, and without it the API means the latest.
 */
function casePath(workflow: string, caseKey: string, seq: number | undefined, suffix = ""): string {
  return `/api/cases/${encodeURIComponent(workflow)}/${encodeURIComponent(caseKey)}${suffix}${seq === undefined ? "" : `?seq=${seq}`}`;
}

/**
 * One request to the worker with the dashboard's token; a network failure or a timeout throws `unreachable`.
 * Shared with the rollout client (rollout-api.ts); `timeoutMs` for the rare call that works for long (a shadow run).
 * @example const res = await call(`/api/rollouts/${encodeURIComponent(workflow)}`);
 */
export async function call(
  path: string,
  init: RequestInit = {},
  fetcher: typeof fetch = fetch,
  timeoutMs = TIMEOUT_MS,
): Promise<Response> {
  const { url, token, where, via } = settings();
  try {
    return await (via ? via.fetch.bind(via) : fetcher)(url + path, {
      ...init,
      headers: { accept: "application/json", authorization: `Bearer ${token}`, ...init.headers },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (cause) {
    const timedOut = cause instanceof DOMException && cause.name === "TimeoutError";
    throw new CaseApiError(
      0,
      "unreachable",
      timedOut
        ? `the worker ${where} did not answer within ${timeoutMs / 1000} s`
        : `the worker ${where} could not be reached`,
      { cause },
    );
  }
}

/** The API's `{ error: { code, message } }` as a `CaseApiError`, or a generic one when the body is not that. */
export async function refusal(res: Response, what: string): Promise<CaseApiError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === "string")
      return new CaseApiError(
        res.status,
        body.error.code,
        typeof body.error.message === "string" ? body.error.message : body.error.code,
      );
  } catch {
    // Not JSON (a proxy's error page): described below from the status and the text.
  }
  return new CaseApiError(res.status, "bad_answer", `${what}: the worker answered ${res.status} ${text.slice(0, 200)}`);
}

/** The answer's body as JSON, or `bad_answer` when it is not JSON. */
export async function json<T>(res: Response, what: string): Promise<T> {
  try {
    return (await res.json()) as T;
  } catch (cause) {
    throw new CaseApiError(res.status, "bad_answer", `${what}: the worker's answer is not JSON`, { cause });
  }
}

/**
 * The case as its object sees it now (header, wait, steps, decisions, timeline), or null when there is no such case.
 * @example const view = await getCase("refund-dispute", "customer:ana@example.com");
 */
export async function getCase(
  workflow: string,
  caseKey: string,
  seq?: number,
  fetcher?: typeof fetch,
): Promise<CaseView | null> {
  const what = `reading case ${caseKey} of ${workflow}`;
  const res = await call(casePath(workflow, caseKey, seq), {}, fetcher);
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) throw await refusal(res, what);
  return json<CaseView>(res, what);
}

/**
 * The case's hash-chained audit trail and its verification, or null when there is no such case.
 * @example const audit = await getAudit("refund-dispute", "customer:ana@example.com"); audit?.verification.valid
 */
export async function getAudit(
  workflow: string,
  caseKey: string,
  seq?: number,
  fetcher?: typeof fetch,
): Promise<CaseAudit | null> {
  const what = `reading the audit trail of ${caseKey} in ${workflow}`;
  const res = await call(casePath(workflow, caseKey, seq, "/audit"), {}, fetcher);
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) throw await refusal(res, what);
  return json<CaseAudit>(res, what);
}

/**
 * The case's conversation translated for the reader by the worker's configured model, or why it is not: `unavailable`
 * words for the page when no model is configured (409) or the model failed (502). Null when there is no such case.
 * @example const read = await getTranslatedConversation("customer-onboarding", key, undefined, "en");
 */
export async function getTranslatedConversation(
  workflow: string,
  caseKey: string,
  seq: number | undefined,
  to: string,
  fetcher?: typeof fetch,
): Promise<{ conversation: CaseConversation } | { unavailable: string } | null> {
  const what = `translating the conversation of ${caseKey} in ${workflow}`;
  const path = casePath(workflow, caseKey, seq, "/conversation");
  const res = await call(`${path}${path.includes("?") ? "&" : "?"}to=${encodeURIComponent(to)}`, {}, fetcher);
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (res.status === 409 || res.status === 502) return { unavailable: (await refusal(res, what)).message };
  if (!res.ok) throw await refusal(res, what);
  return { conversation: await json<CaseConversation>(res, what) };
}

/**
 * Sends a person's decision; the case checks it against its task and resumes. A refusal (403 `not_authorized`,
 * 409 `wait_ended` / `already_decided`, 422 `decision_not_allowed`, 404 `case_not_found`) throws with the API's code.
 * @example await postDecision("refund-dispute", key, seqOf(caseId), { step: "triage:escalate", decision: "resolve", outcome: "refunded-manually", actor }, formKey);
 */
export async function postDecision(
  workflow: string,
  caseKey: string,
  seq: number | undefined,
  decision: DecisionRequest,
  idempotencyKey: string,
  fetcher?: typeof fetch,
): Promise<DecisionAccepted> {
  const what = `sending the decision on ${decision.step} of ${caseKey}`;
  const res = await call(
    casePath(workflow, caseKey, seq, "/decisions"),
    {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": idempotencyKey },
      body: JSON.stringify(decision),
    },
    fetcher,
  );
  if (res.status !== 200 && res.status !== 202) throw await refusal(res, what);
  const body = await json<{ accepted?: boolean; duplicate?: boolean }>(res, what);
  return { accepted: true, duplicate: body.duplicate === true };
}
