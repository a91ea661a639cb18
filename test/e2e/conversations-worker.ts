/**
 * The worker the conversations e2e runs under `wrangler dev`: the product's, whose routing and case objects also know
 * two test workflows that text the same customers from numbers of their own (test/workers/conversation-workflows.ts).
 */

import type { WorkflowDefinition } from "../../workers/engine/index.ts";
import { createApp } from "../../workers/http/index.ts";
import { CaseObject as ProductCaseObject } from "../../workers/platform/cloudflare/case-object.ts";
import type { Env } from "../../workers/platform/cloudflare/env.ts";
import worker from "../../workers/platform/cloudflare/index.ts";
import { cloudflarePlatform } from "../../workers/platform/cloudflare/platform.ts";
import { WORKFLOWS } from "../../workers/workflows/index.ts";
import { CONVERSATION_WORKFLOWS } from "../workers/conversation-workflows.ts";

export { DeadLetterObject } from "../../workers/platform/cloudflare/index.ts";

const deployment: readonly WorkflowDefinition[] = [...WORKFLOWS, ...CONVERSATION_WORKFLOWS];

export class CaseObject extends ProductCaseObject {
  protected override readonly workflows = deployment;
}

const app = createApp((env) => ({ ...cloudflarePlatform(env as Env), workflows: deployment }));

export default { ...worker, fetch: app.fetch } satisfies ExportedHandler<Env>;
