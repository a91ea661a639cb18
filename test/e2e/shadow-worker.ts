/**
 * The worker the shadow-run e2e runs under `wrangler dev`: the product's, whose case objects and shadow runs also
 * know refund-dispute v3 (test/e2e/shadow-candidate.ts), while every new case still opens on version 2.
 */
import { createApp } from "../../workers/http/index.ts";
import { CaseObject as ProductCaseObject } from "../../workers/platform/cloudflare/case-object.ts";
import type { Env } from "../../workers/platform/cloudflare/env.ts";
import worker from "../../workers/platform/cloudflare/index.ts";
import { cloudflarePlatform } from "../../workers/platform/cloudflare/platform.ts";
import { SHADOW_SHARES, SHADOW_WORKFLOWS } from "./shadow-candidate.ts";

export { DeadLetterObject } from "../../workers/platform/cloudflare/index.ts";

export class CaseObject extends ProductCaseObject {
  protected override readonly workflows = SHADOW_WORKFLOWS;
}

const app = createApp((env) => ({
  ...cloudflarePlatform(env as Env),
  workflows: SHADOW_WORKFLOWS,
  rollouts: async () => SHADOW_SHARES,
}));

export default { ...worker, fetch: app.fetch } satisfies ExportedHandler<Env>;
