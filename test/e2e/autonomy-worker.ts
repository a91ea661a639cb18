/**
 * The worker the autonomy e2e runs under `wrangler dev`: the product's, whose routing, case objects and API also know
 * a refund workflow with a short autonomy ladder (test/e2e/autonomy-fixture.ts). The metrics queue's consumer is the
 * product's: the evidence carries its ladder's rule, so the writer judges it without the fixture's code.
 */
import { createApp } from "../../workers/http/index.ts";
import { CaseObject as ProductCaseObject } from "../../workers/platform/cloudflare/case-object.ts";
import type { Env } from "../../workers/platform/cloudflare/env.ts";
import worker from "../../workers/platform/cloudflare/index.ts";
import { cloudflarePlatform } from "../../workers/platform/cloudflare/platform.ts";
import { AUTONOMY_WORKFLOWS } from "./autonomy-fixture.ts";

export { DeadLetterObject } from "../../workers/platform/cloudflare/index.ts";

export class CaseObject extends ProductCaseObject {
  protected override readonly workflows = AUTONOMY_WORKFLOWS;
}

const app = createApp((env) => ({ ...cloudflarePlatform(env as Env), workflows: AUTONOMY_WORKFLOWS }));

export default { ...worker, fetch: app.fetch } satisfies ExportedHandler<Env>;
