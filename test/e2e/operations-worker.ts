/**
 * The worker the case-operations e2e runs under `wrangler dev`: the product's, whose routing, case objects and API
 * also know the operations fixture (test/e2e/operations-fixture.ts).
 */
import { createApp } from "../../workers/http/index.ts";
import { CaseObject as ProductCaseObject } from "../../workers/platform/cloudflare/case-object.ts";
import type { Env } from "../../workers/platform/cloudflare/env.ts";
import worker from "../../workers/platform/cloudflare/index.ts";
import { cloudflarePlatform } from "../../workers/platform/cloudflare/platform.ts";
import { OPERATIONS_WORKFLOWS } from "./operations-fixture.ts";

export { DeadLetterObject } from "../../workers/platform/cloudflare/index.ts";

export class CaseObject extends ProductCaseObject {
  protected override readonly workflows = OPERATIONS_WORKFLOWS;
}

const app = createApp((env) => ({ ...cloudflarePlatform(env as Env), workflows: OPERATIONS_WORKFLOWS }));

export default { ...worker, fetch: app.fetch } satisfies ExportedHandler<Env>;
