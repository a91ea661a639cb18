import type { Config } from "../../config.ts";
import type { MetricBatch } from "../../metrics/index.ts";
import type { CaseObject } from "./case-object.ts";
import type { DeadLetterObject } from "./dead-letter-object.ts";

/** The Cloudflare worker's bindings: the configuration plus the platform's own objects. */
export interface Env extends Config {
  CASES: DurableObjectNamespace<CaseObject>;
  DEAD_LETTERS: DurableObjectNamespace<DeadLetterObject>;
  /** Per-source request limit (Cloudflare rate limiting binding), keyed by source name. */
  INGEST_RATE_LIMITER?: RateLimit;
  /** Case objects send metric batches here; the worker's queue consumer writes them to Turso. */
  METRICS_QUEUE?: Queue<MetricBatch>;
  /** This worker itself (a service binding), for workflows that submit to one of its own webhook sources. */
  SELF?: Fetcher;
}

type WorkerEnv = Env;
declare global {
  // Types `env` from "cloudflare:test" and "cloudflare:workers" as these bindings.
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
    interface GlobalProps {
      mainModule: typeof import("./index.ts");
      durableNamespaces: "CaseObject" | "DeadLetterObject";
    }
  }
}
