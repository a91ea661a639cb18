/**
 * The HTTP surface, the same on every platform. One `onError` renders every failure as
 * `{ error: { code, message } }`. The platform (Cloudflare bindings, Deno KV) is handed in.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Config } from "../config.ts";
import { ApiError } from "../errors.ts";
import { log } from "../observability/index.ts";
import { api } from "./api/routes.ts";
import type { AppEnv } from "./app-env.ts";
import { chat } from "./chat.ts";
import { hooks } from "./ingest-routes.ts";
import type { Platform } from "./platform.ts";

/**
 * @example
 * const app = createApp((env) => cloudflarePlatform(env as Env));
 * export default { fetch: app.fetch };
 */
export function createApp(platformFor: (config: Config) => Platform): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", async (c, next) => {
    c.set("platform", platformFor(c.env));
    await next();
  });
  mount(app);
  return app;
}

function mount(app: Hono<AppEnv>): void {
  app.get("/healthz", (c) => c.json({ ok: true, service: "crossflow-worker" }));
  app.route("/hooks", hooks);
  app.route("/api", api);
  app.route("/chat", chat);

  app.notFound((c) =>
    c.json(
      { error: { code: "not_found", message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` } },
      404,
    ),
  );

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json({ error: { code: err.code, message: err.message } }, err.status);
    if (err instanceof HTTPException)
      return c.json({ error: { code: "http_error", message: err.message } }, err.status);
    log.error("unhandled error", { method: c.req.method, path: new URL(c.req.url).pathname, error: err });
    return c.json({ error: { code: "internal_error", message: "internal error" } }, 500);
  });
}
