/** The bindings a deployment may leave out: the code checks for them (a test's miniflare runs without a queue). */
type OptionalBinding = "METRICS_QUEUE" | "INGEST_RATE_LIMITER";

/**
 * The worker's bindings, as `wrangler types` generates them from wrangler.toml and `.dev.vars.example` into
 * worker-configuration.d.ts (`npm run cf:types`): one generated source, so a binding added to wrangler.toml is typed
 * here and in `env` from "cloudflare:test" / "cloudflare:workers" without a hand-written copy to keep in step.
 */
export type Env = Omit<Cloudflare.Env, OptionalBinding> & Partial<Pick<Cloudflare.Env, OptionalBinding>>;
