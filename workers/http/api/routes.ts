/** The authenticated case API: read cases, send people's decisions, list and replay dead letters; and its description. */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { authenticate } from "./auth.ts";
import { autonomy } from "./autonomy.ts";
import { cases } from "./cases.ts";
import { conversation } from "./conversation.ts";
import { deadLetters } from "./dead-letters.ts";
import { decisions } from "./decisions.ts";
import { openApiDocument } from "./openapi.ts";
import { operations } from "./operations.ts";
import { policies } from "./policies.ts";
import { rollouts } from "./rollouts.ts";
import { shadowRuns } from "./shadow-runs.ts";
import { tasks } from "./tasks.ts";

export const api = new OpenAPIHono<AppEnv>();
// Registered before the resources are mounted, so every one of them (and an unknown /api path) needs a caller. The
// document too: it holds no case data, but like the rest of /api it is for callers with a key, and its schemas are
// in the repository (workers/case-api.ts) for anyone building a client.
api.use("*", authenticate);
api.route("/", cases);
api.route("/", conversation);
api.route("/", decisions);
api.route("/", operations);
api.route("/", deadLetters);
api.route("/", rollouts);
api.route("/", autonomy);
api.route("/", policies);
api.route("/", shadowRuns);
api.route("/", tasks);
api.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });

// The routes are all mounted by now, so the document is built once, on its first request.
let described: ReturnType<typeof openApiDocument> | undefined;
api.get("/openapi.json", (c) => {
  described ??= openApiDocument(api);
  return c.json(described);
});
