/** Bearer-token authentication for `/api/*`, compared in constant time; several tokens may be active. */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { activeSecrets, utf8 } from "../ingest/hmac.ts";

/** Constant-time equality by comparing HMACs of both sides under a per-call random key. */
async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  const key = (await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"])) as CryptoKey;
  const mac = await crypto.subtle.sign("HMAC", key, utf8(a));
  return crypto.subtle.verify("HMAC", key, mac, utf8(b));
}

export const requireApiToken = createMiddleware<AppEnv>(async (c, next) => {
  const tokens = activeSecrets(c.env.CROSSFLOW_API_TOKEN);
  if (tokens.length === 0) throw new ApiError(503, "api_not_configured", "the case API is disabled until CROSSFLOW_API_TOKEN is set");
  const header = c.req.header("authorization") ?? "";
  const given = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  if (!given) throw new ApiError(401, "missing_token", "send Authorization: Bearer <CROSSFLOW_API_TOKEN>");
  for (const token of tokens) if (await timingSafeEqual(given, token)) return next();
  throw new ApiError(401, "bad_token", "the bearer token is not valid");
});
