import type { CaseObject } from "./case/case-object.ts";

/** The worker's bindings. Secrets come from `wrangler secret put` in production and `.dev.vars` locally. */
export interface Env {
  CASES: DurableObjectNamespace<CaseObject>;
  /** One or more GitHub webhook secrets (comma-separated during a rotation). */
  GITHUB_WEBHOOK_SECRET?: string;
  /** libSQL over HTTP: Turso Cloud in production, the local endpoint from `npm start` in development. */
  TURSO_DATABASE_URL?: string;
  TURSO_AUTH_TOKEN?: string;
}

type WorkerEnv = Env;
declare global {
  // Types `env` from "cloudflare:test" and "cloudflare:workers" as these bindings.
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
    interface GlobalProps {
      mainModule: typeof import("./index.ts");
      durableNamespaces: "CaseObject";
    }
  }
}
