/**
 * An operator's operations on a case, beside the decisions its tasks ask for: retry a failed step (a failed case, or a
 * step that failed over to a person), cancel a case, reassign a person's task to another queue. Each is audited by the
 * case with who did it and why, and idempotent (an `Idempotency-Key`, or the case already as asked, answers
 * `duplicate: true`). A cancelled case ends `resolved` with the outcome `cancelled` (workers/case/operations.ts says why).
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import type { CaseOperation } from "../../case/operations.ts";
import { CaseOperationBody, OperationAccepted, ReassignBody } from "../../case-api.ts";
import { ApiError } from "../../errors.ts";
import type { AppEnv } from "../app-env.ts";
import { notFound, targetCase } from "./case-target.ts";
import { CasePath, CaseQuery } from "./cases.ts";
import { deciderOf } from "./decisions.ts";
import { json, refusals, serve } from "./openapi.ts";
import { jsonBody } from "./request-body.ts";

export const operations = new OpenAPIHono<AppEnv>();

const OPERATION_BODY = { what: "operation", maxBytes: 8 * 1024, invalidCode: "invalid_operation" };

const idempotencyHeader = z.object({
  "idempotency-key": z
    .string()
    .optional()
    .describe("1-200 printable ASCII characters; a repeated key is a no-op (400 invalid_idempotency_key)"),
});

const answers = (conflicts: string) => ({
  200: json("`duplicate: true`: done before (the same Idempotency-Key, or the case is already so)", OperationAccepted),
  ...refusals({
    400: "`invalid_seq`, `invalid_json`, `invalid_operation`, `actor_required`, `invalid_idempotency_key`",
    403: "`actor_not_allowed`, `not_authorized` (lacks the task's role)",
    404: "`case_not_found`",
    409: conflicts,
    413: "`payload_too_large` (8 KiB)",
    415: "`unsupported_media_type`",
  }),
});

type OperationKind = { kind: "retry" } | { kind: "cancel" } | { kind: "reassign"; queue: string };

/** Runs one operation on the target case and answers it (the shared part of the three routes). */
async function operate(
  c: Context<AppEnv>,
  read: () => Promise<{ body: z.infer<typeof CaseOperationBody>; kind: OperationKind }>,
) {
  const { workflow, caseKey } = c.req.param() as { workflow: string; caseKey: string };
  // The caller's role on the workflow first, the body after: a key without the role learns nothing from a 400.
  const id = await targetCase(c, "operator");
  const cases = c.var.platform.cases;
  const { body, kind } = await read();
  const actor = await deciderOf(c.var.caller, body.actor, async (error, actorId) => {
    await cases.refuseAction(id, actorId, { code: error.code, message: error.message });
    return error;
  });
  const idempotencyKey = c.req.header("idempotency-key");
  if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey))
    throw new ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1-200 printable ASCII characters");
  const op = {
    ...kind,
    id: idempotencyKey ? `op:${idempotencyKey}` : `op:${crypto.randomUUID()}`,
    actor,
    reason: body.reason,
    via: c.var.caller.keyId,
  } as CaseOperation;
  const result = await cases.operate(id, op);
  if (!result) throw notFound(workflow, caseKey);
  if (result.status === "refused")
    throw new ApiError(result.refusal.status, result.refusal.code, result.refusal.message);
  return c.json(
    { accepted: true as const, duplicate: result.status === "duplicate", status: result.caseStatus },
    result.status === "duplicate" ? 200 : 202,
  );
}

const retryRoute = createRoute({
  method: "post",
  path: "/cases/{workflow}/{caseKey}/retry",
  summary:
    "Run a failed step again (operators): a failed case resumes where it stopped, a failed-over step gets new attempts",
  request: {
    params: CasePath,
    query: CaseQuery,
    headers: idempotencyHeader,
    body: { required: true, content: { "application/json": { schema: CaseOperationBody } } },
  },
  responses: { 202: json("accepted: the case runs again", OperationAccepted), ...answers("`nothing_to_retry`") },
});
serve(operations, retryRoute, (c) =>
  operate(c, async () => ({ body: await jsonBody(c, CaseOperationBody, OPERATION_BODY), kind: { kind: "retry" } })),
);

const cancelRoute = createRoute({
  method: "post",
  path: "/cases/{workflow}/{caseKey}/cancel",
  summary: "End a case that has not ended (operators): it ends resolved with the outcome `cancelled`, by you",
  request: {
    params: CasePath,
    query: CaseQuery,
    headers: idempotencyHeader,
    body: { required: true, content: { "application/json": { schema: CaseOperationBody } } },
  },
  responses: { 202: json("cancelled", OperationAccepted), ...answers("`case_ended`") },
});
serve(operations, cancelRoute, (c) =>
  operate(c, async () => ({ body: await jsonBody(c, CaseOperationBody, OPERATION_BODY), kind: { kind: "cancel" } })),
);

const reassignRoute = createRoute({
  method: "post",
  path: "/cases/{workflow}/{caseKey}/reassign",
  summary: "Move the person's task the case waits on to another queue (operators); its SLA deadline stays",
  request: {
    params: CasePath,
    query: CaseQuery,
    headers: idempotencyHeader,
    body: { required: true, content: { "application/json": { schema: ReassignBody } } },
  },
  responses: { 202: json("moved", OperationAccepted), ...answers("`no_task`") },
});
serve(operations, reassignRoute, (c) =>
  operate(c, async () => {
    const { queue, ...body } = await jsonBody(c, ReassignBody, OPERATION_BODY);
    return { body, kind: { kind: "reassign", queue } };
  }),
);
