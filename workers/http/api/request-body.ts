/**
 * What the case API's write routes share before they act: the JSON body checked in one order (media type 415, size
 * 413, syntax 400 `invalid_json`, shape 400 with the route's own code), the person a call acts for, and the metrics
 * database the rollout, autonomy and shadow-run routes keep their state in. One place, so every route refuses alike.
 */
import type { Context } from "hono";
import { z } from "zod";
import { databaseFrom, type MetricsDatabase } from "../../../db/client.ts";
import { ApiError } from "../../errors.ts";
import type { AppEnv } from "../app-env.ts";
import type { ApiCaller } from "./auth.ts";

export interface BodyRules {
  /** The body in words, for the refusals: "rollout policy", "shadow-run request". */
  what: string;
  maxBytes: number;
  /** The 400 code when the JSON does not match the schema, e.g. `invalid_rollout`. */
  invalidCode: string;
}

/**
 * The request's JSON body, checked against `schema`, or the precise 4xx.
 * @example const policy = await jsonBody(c, RolloutPolicyBody, { what: "rollout policy", maxBytes: 16384, invalidCode: "invalid_rollout" });
 */
export async function jsonBody<S extends z.ZodType>(
  c: Context<AppEnv>,
  schema: S,
  rules: BodyRules,
): Promise<z.infer<S>> {
  const media = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (media !== "application/json")
    throw new ApiError(415, "unsupported_media_type", `send the ${rules.what} as application/json`);
  const text = await c.req.text();
  if (new TextEncoder().encode(text).byteLength > rules.maxBytes)
    throw new ApiError(413, "payload_too_large", `a ${rules.what} is at most ${rules.maxBytes} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ApiError(400, "invalid_json", `the ${rules.what} is not valid JSON`, { cause });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ApiError(400, rules.invalidCode, z.prettifyError(parsed.error));
  return parsed.data;
}

/**
 * Who a change is from, as the change logs write it: the dashboard's server token must name its signed-in person
 * (it acts for many); any other key acts as its holder, and naming someone else is refused rather than believed.
 * @example actingPerson(caller, body.actor) // → "person:ada via dashboard" | "person:ops-bot via key:k_12"
 */
export function actingPerson(caller: ApiCaller, named: string | undefined): string {
  if (caller.onBehalf) {
    if (!named)
      throw new ApiError(
        400,
        "actor_required",
        "the dashboard's server token acts for a signed-in person: name them in `actor`",
      );
    return `person:${named} via dashboard`;
  }
  if (named !== undefined && named !== caller.holder)
    throw new ApiError(403, "actor_not_allowed", `the key ${caller.keyId} acts as ${caller.holder}, not ${named}`);
  return `person:${caller.holder} via key:${caller.keyId}`;
}

/**
 * A fresh client on the metrics database for this request (never shared across requests: workerd ties its I/O to the
 * request that made it), or 503 `<feature>_not_configured` when the deployment has none.
 * @example const db = metricsDatabase(c, "rollouts", "rollout policies live in the metrics database");
 */
export function metricsDatabase(c: Context<AppEnv>, feature: string, why: string): MetricsDatabase {
  const db = databaseFrom({ url: c.env.TURSO_DATABASE_URL, authToken: c.env.TURSO_AUTH_TOKEN });
  if (!db) throw new ApiError(503, `${feature}_not_configured`, `${why}: set TURSO_DATABASE_URL`);
  return db;
}

/** 404 for a workflow this deployment does not run. */
export function requireDeployed(c: Context<AppEnv>, workflow: string): void {
  if (!c.var.platform.workflows.some((w) => w.id === workflow))
    throw new ApiError(404, "workflow_not_found", `this deployment runs no workflow ${workflow}`);
}
