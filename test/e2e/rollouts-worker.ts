/**
 * The worker the rollout e2e runs under `wrangler dev`: the product's, whose routing and case objects also know a
 * deliberately worse refund-dispute v3 (test/e2e/rollouts-fixture.ts).
 */
import { createApp } from "../../workers/http/index.ts";
import { CaseObject as ProductCaseObject } from "../../workers/platform/cloudflare/case-object.ts";
import type { Env } from "../../workers/platform/cloudflare/env.ts";
import worker from "../../workers/platform/cloudflare/index.ts";
import { cloudflarePlatform } from "../../workers/platform/cloudflare/platform.ts";
import { ROLLOUT_WORKFLOWS } from "./rollouts-fixture.ts";

export { DeadLetterObject } from "../../workers/platform/cloudflare/index.ts";

export class CaseObject extends ProductCaseObject {
  protected override readonly workflows = ROLLOUT_WORKFLOWS;
}

const app = createApp((env) => ({ ...cloudflarePlatform(env as Env), workflows: ROLLOUT_WORKFLOWS }));

export default { ...worker, fetch: app.fetch } satisfies ExportedHandler<Env>;
