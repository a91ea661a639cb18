/** People's decisions on a waiting case: who decides, what they may send, and how a refusal is audited. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { DecisionAccepted, DecisionBody } from "../../case-api.ts";
import { ApiError } from "../../errors.ts";
import type { AppEnv } from "../app-env.ts";
import { type ApiCaller, callerRoles } from "./auth.ts";
import { notFound, targetCase } from "./case-target.ts";
import { CasePath, CaseQuery } from "./cases.ts";
import { json, refusals, serve } from "./openapi.ts";

export const decisions = new OpenAPIHono<AppEnv>();

const MAX_DECISION_BYTES = 16 * 1024;

type Decision = z.infer<typeof DecisionBody>;

/** Reads the decision body: the decision, or the 4xx it earns and who sent it (the case audits the refusal). */
async function readDecision(
  c: Context<AppEnv>,
): Promise<{ decision: Decision } | { error: ApiError; actorId: string | null }> {
  const media = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (media !== "application/json")
    return {
      error: new ApiError(415, "unsupported_media_type", "send the decision as application/json"),
      actorId: null,
    };
  const text = await c.req.text();
  if (new TextEncoder().encode(text).byteLength > MAX_DECISION_BYTES)
    return {
      error: new ApiError(413, "payload_too_large", `a decision is at most ${MAX_DECISION_BYTES} bytes`),
      actorId: null,
    };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    return { error: new ApiError(400, "invalid_json", "decision body is not valid JSON", { cause }), actorId: null };
  }
  const parsed = DecisionBody.safeParse(raw);
  if (parsed.success) return { decision: parsed.data };
  const actorId = (raw as { actor?: { id?: unknown } } | null)?.actor?.id;
  return {
    error: new ApiError(400, "invalid_decision", z.prettifyError(parsed.error)),
    actorId: typeof actorId === "string" ? actorId.slice(0, 200) : null,
  };
}

/**
 * Who a decision is from. The dashboard's server names the signed-in person (and must); any other key decides as
 * its holder with its own roles, and naming someone else is refused (and audited) rather than believed.
 */
export async function deciderOf(
  caller: ApiCaller,
  named: Decision["actor"],
  refuse: (error: ApiError, actorId: string | null) => Promise<ApiError>,
): Promise<{ id: string; roles: string[] }> {
  if (caller.onBehalf) {
    if (!named)
      throw await refuse(
        new ApiError(
          400,
          "actor_required",
          "the dashboard's server token decides on behalf of a signed-in person: name them in `actor`",
        ),
        null,
      );
    return named;
  }
  if (named && named.id !== caller.holder) {
    throw await refuse(
      new ApiError(
        403,
        "actor_not_allowed",
        `the key ${caller.keyId} acts as ${caller.holder}; only the dashboard's server token may decide on behalf of another person`,
      ),
      named.id,
    );
  }
  return { id: caller.holder, roles: callerRoles(caller) };
}

const decide = createRoute({
  method: "post",
  path: "/cases/{workflow}/{caseKey}/decisions",
  summary: "A person's decision on a waiting case (operator keys); each refusal is audited by the case",
  request: {
    params: CasePath,
    query: CaseQuery,
    headers: z.object({
      "idempotency-key": z
        .string()
        .optional()
        .describe("1-200 printable ASCII characters; a repeated key is a no-op (400 invalid_idempotency_key)"),
    }),
    body: { required: true, content: { "application/json": { schema: DecisionBody } } },
  },
  responses: {
    202: json("accepted: the case resumes", DecisionAccepted),
    200: json("`duplicate: true`: this Idempotency-Key was used, the earlier decision stands", DecisionAccepted),
    ...refusals({
      400: "`invalid_seq`, `invalid_json`, `invalid_decision`, `actor_required`, `invalid_idempotency_key`",
      403: "`actor_not_allowed`, `not_authorized` (lacks the task's role), `self_approval`",
      404: "`case_not_found`",
      409: "`already_decided`, `wait_ended`",
      413: "`payload_too_large` (16 KiB)",
      415: "`unsupported_media_type`",
      422: "`decision_not_allowed` (e.g. `carry-out` where nothing is offered), `outcome_not_declared` (the list is in the message)",
    }),
  },
});

/**
 * Resumes a waiting case with a person's decision: approve / reject an approval, resolve an escalation (with an
 * outcome label, one the workflow declares), carry out an escalation's proposed action (where it is offered), retry a
 * step that failed over to a person. `Idempotency-Key` makes a resubmission a no-op.
 */
serve(decisions, decide, async (c) => {
  const { workflow, caseKey } = c.req.param();
  const id = await targetCase(c, "operator");
  const cases = c.var.platform.cases;
  const read = await readDecision(c);
  const refuse = async (error: ApiError, actorId: string | null) => {
    await cases.refuseAction(id, actorId, { code: error.code, message: error.message });
    return error;
  };
  if ("error" in read) throw await refuse(read.error, c.var.caller.onBehalf ? read.actorId : c.var.caller.holder);
  const actor = await deciderOf(c.var.caller, read.decision.actor, refuse);
  const idempotencyKey = c.req.header("idempotency-key");
  if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey))
    throw new ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1-200 printable ASCII characters");
  const { step, actor: _named, ...decision } = read.decision;
  const result = await cases.decide(id, {
    ...decision,
    actor,
    via: c.var.caller.keyId,
    stepId: step,
    id: idempotencyKey ?? crypto.randomUUID(),
  });
  if (!result) throw notFound(workflow, caseKey);
  if (result.status === "refused")
    throw new ApiError(result.refusal.status, result.refusal.code, result.refusal.message);
  return c.json(
    { accepted: true, duplicate: result.status === "duplicate" },
    result.status === "duplicate" ? 200 : 202,
  );
});
