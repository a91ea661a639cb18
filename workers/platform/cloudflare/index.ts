/** Worker entry: the Hono app, the metrics queue consumer, the crons and the Durable Object classes. */
import { createApp } from "../../http/index.ts";
import type { Env } from "./env.ts";
import { checkRolloutGuards, handleMetricsQueue, pruneMetrics, signAuditManifest } from "./metrics.ts";
import { cloudflarePlatform } from "./platform.ts";

export { CaseObject } from "./case-object.ts";
export { DeadLetterObject } from "./dead-letter-object.ts";

/** wrangler.toml `crons`: the rollout guard check's schedule (the other is the daily one). */
const ROLLOUT_CRON = "* * * * *";

export const app = createApp((env) => cloudflarePlatform(env as Env));

export default {
  fetch: app.fetch,
  /** The metrics queue and its dead-letter queue (see workers/metrics/consumer.ts). */
  queue: (batch, env) => handleMetricsQueue(batch, env),
  /**
   * Every minute (`ROLLOUT_CRON`): the rollout guards. Daily: prune raw metric events past retention; sign the previous
   * UTC day's manifest of audit chain heads.
   */
  scheduled: (controller, env, ctx) =>
    ctx.waitUntil(
      controller.cron === ROLLOUT_CRON
        ? checkRolloutGuards(env)
        : Promise.all([pruneMetrics(env), signAuditManifest(env, controller.scheduledTime)]),
    ),
} satisfies ExportedHandler<Env>;
