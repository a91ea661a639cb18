/**
 * The case API described by its own routes: each resource declares a route once (`createRoute`, with the schemas of
 * workers/case-api.ts) and mounts it through `serve`, which lists it in the OpenAPI document, so no route is served
 * undescribed. `openApiDocument` is what `GET /api/openapi.json` answers.
 */
import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { Handler } from "hono";
import { ApiErrorBody } from "../../case-api.ts";
import type { AppEnv } from "../app-env.ts";

type DeclaredRoute = RouteConfig & { getRoutingPath(): string };

/**
 * Serves `route` and lists it in the document. zod-openapi's validators are left out on purpose: they run before the
 * handler, so a malformed body would be refused before the caller's role and the case are known (and the case could
 * not audit the refusal), with Hono's generic 400 and 415 instead of `invalid_json` and `unsupported_media_type`, and
 * a replay's optional body would need a content type. The handlers validate with the same schemas the route declares.
 */
export function serve<R extends DeclaredRoute>(
  app: OpenAPIHono<AppEnv>,
  route: R,
  handler: Handler<AppEnv, ReturnType<R["getRoutingPath"]>>,
): void {
  app.openAPIRegistry.registerPath(route);
  app.on(route.method.toUpperCase(), route.getRoutingPath(), handler as Handler<AppEnv>);
}

/** A JSON answer of `schema`, for a route's `responses`. */
export const json = <S>(description: string, schema: S) => ({
  description,
  content: { "application/json": { schema } },
});

/**
 * The refusals a route may answer beyond those of every route (401, 403, 503 from authentication), each described by
 * its codes; all share the `{ error: { code, message } }` shape.
 */
export function refusals(byStatus: Partial<Record<400 | 403 | 404 | 409 | 413 | 415 | 422, string>>) {
  const { 403: forbidden, ...rest } = byStatus;
  const common = {
    401: "`missing_token`, `malformed_key`, `unknown_key`, `revoked_key`, `bad_token`",
    403: ["`insufficient_role`, `out_of_scope`", forbidden].filter(Boolean).join(", "),
    503: "`api_keys_not_configured`, or the API is disabled (neither CROSSFLOW_API_TOKEN nor a database is set)",
  };
  return Object.fromEntries(
    Object.entries({ ...common, ...rest }).map(([status, codes]) => [status, json(codes, ApiErrorBody)]),
  );
}

/** The document for the API mounted at `/api` (its paths are relative to that server). */
export function openApiDocument(api: OpenAPIHono<AppEnv>) {
  return api.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Crossflow case API",
      version: "1",
      description:
        "Read cases and their audit trails, send people's decisions, list and replay dead letters. Every call carries " +
        "`Authorization: Bearer <API key or the dashboard's server token>`.",
    },
    servers: [{ url: "/api" }],
    security: [{ bearer: [] }],
  });
}
