/** Worker entry: the Hono app, the metrics queue consumer, the daily cron and the Durable Object classes. */
import { createApp } from "../../http/index.ts";
import type { Env } from "./env.ts";
import { handleMetricsQueue, pruneMetrics, signAuditManifest } from "./metrics.ts";
import { cloudflarePlatform } from "./platform.ts";

export { CaseObject } from "./case-object.ts";
export { DeadLetterObject } from "./dead-letter-object.ts";

export const app = createApp((env) => cloudflarePlatform(env as Env));

export default {
  fetch: app.fetch,
  /** The metrics queue and its dead-letter queue (see workers/metrics/consumer.ts). */
  queue: (batch, env) => handleMetricsQueue(batch, env),
  /** Daily: prune raw metric events past retention; sign the previous UTC day's manifest of audit chain heads. */
  scheduled: (controller, env, ctx) =>
    ctx.waitUntil(Promise.all([pruneMetrics(env), signAuditManifest(env, controller.scheduledTime)])),
} satisfies ExportedHandler<Env>;
