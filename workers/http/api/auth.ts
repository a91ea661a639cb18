/**
 * Who is calling `/api/*`. Two kinds of bearer token:
 * - a per-caller API key (`cfk_…`, created by an admin, checked against the metrics database on every call): it acts
 *   as its holder, with its role, on the workflows it is limited to;
 * - the dashboard's own server token (`CROSSFLOW_API_TOKEN`, comma-separated during a rotation, compared in
 *   constant time): the one caller that may act on behalf of the person signed in to the dashboard.
 */
import { createMiddleware } from "hono/factory";
import { type ApiCaller, checkApiKey, looksLikeApiKey } from "../../../db/api-keys.ts";
import { databaseFrom, type MetricsDatabase } from "../../../db/client.ts";
import type { Config } from "../../config.ts";
import { ApiError } from "../../errors.ts";
import { activeSecrets } from "../../webhooks/hmac.ts";
import type { AppEnv } from "../app-env.ts";

export type { ApiCaller };

const encoder = new TextEncoder();

/** Constant-time equality by comparing HMACs of both sides under a per-call random key. */
async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  const key = (await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ])) as CryptoKey;
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(a));
  return crypto.subtle.verify("HMAC", key, mac, encoder.encode(b));
}

/** The dashboard's server: any workflow, and the person it names is the signed-in user it vouches for. */
const DASHBOARD_CALLER: ApiCaller = {
  keyId: "dashboard",
  holder: "dashboard",
  role: "admin",
  taskRoles: [],
  workflows: null,
  onBehalf: true,
};

function keyDatabase(config: Config): MetricsDatabase | null {
  return databaseFrom({ url: config.TURSO_DATABASE_URL, authToken: config.TURSO_AUTH_TOKEN });
}

const REFUSALS = {
  malformed_key: "the API key is malformed (keys look like cfk_<12 characters>_<43 characters>)",
  unknown_key: "the API key is not valid",
  revoked_key: "the API key was revoked",
} as const;

async function identify(config: Config, given: string): Promise<ApiCaller> {
  if (looksLikeApiKey(given)) {
    const db = keyDatabase(config);
    if (!db)
      throw new ApiError(
        503,
        "api_keys_not_configured",
        "API keys are checked in the metrics database, and TURSO_DATABASE_URL is not set",
      );
    const check = await checkApiKey(db, given);
    if ("refused" in check) throw new ApiError(401, check.refused, REFUSALS[check.refused]);
    return check.caller;
  }
  const tokens = activeSecrets(config.CROSSFLOW_API_TOKEN);
  for (const token of tokens) if (await timingSafeEqual(given, token)) return DASHBOARD_CALLER;
  throw new ApiError(401, "bad_token", "the bearer token is neither an API key nor the dashboard's server token");
}

/** Authenticates every `/api/*` call and puts the caller on the context. */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  if (activeSecrets(c.env.CROSSFLOW_API_TOKEN).length === 0 && !c.env.TURSO_DATABASE_URL) {
    throw new ApiError(
      503,
      "api_not_configured",
      "the case API is disabled until CROSSFLOW_API_TOKEN or TURSO_DATABASE_URL (for API keys) is set",
    );
  }
  const header = c.req.header("authorization") ?? "";
  const given = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  if (!given) throw new ApiError(401, "missing_token", "send Authorization: Bearer <API key>");
  c.set("caller", await identify(c.env, given));
  await next();
});

const RANK = { viewer: 0, operator: 1, admin: 2 } as const;

/**
 * The caller, when it holds `role` (viewer < operator < admin) and may touch `workflow` (or every workflow, when
 * `workflow` is "*": dead letters come before routing, so only unlimited keys see them).
 */
export function authorize(caller: ApiCaller, role: keyof typeof RANK, workflow: string): ApiCaller {
  if (RANK[caller.role] < RANK[role])
    throw new ApiError(
      403,
      "insufficient_role",
      `this needs the ${role} role; the key ${caller.keyId} (${caller.holder}) is ${caller.role}`,
    );
  if (caller.workflows !== null && (workflow === "*" || !caller.workflows.includes(workflow))) {
    const where = workflow === "*" ? "dead letters (before routing, not of one workflow)" : `workflow ${workflow}`;
    throw new ApiError(
      403,
      "out_of_scope",
      `the key ${caller.keyId} is limited to ${caller.workflows.join(", ")}, not ${where}`,
    );
  }
  return caller;
}

/** The roles a key decides with: its role, `operator` for admins too, and its task roles (as for a person). */
export function callerRoles(caller: ApiCaller): string[] {
  return [...new Set([caller.role, ...(caller.role === "admin" ? ["operator"] : []), ...caller.taskRoles])];
}
