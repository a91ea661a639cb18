/**
 * The worker the workerd tests run: the product's worker, whose case objects also know the test and contract
 * workflows and read the test clock. Everything else (routes, storage, alarms, the dead-letter object) is the
 * product's own.
 */

import { translationModel } from "../../workers/agent/translate.ts";
import type { WorkflowDefinition } from "../../workers/engine/index.ts";
import { createApp } from "../../workers/http/index.ts";
import { CaseObject as ProductCaseObject } from "../../workers/platform/cloudflare/case-object.ts";
import type { Env } from "../../workers/platform/cloudflare/env.ts";
import worker from "../../workers/platform/cloudflare/index.ts";
import { cloudflarePlatform } from "../../workers/platform/cloudflare/platform.ts";
import { WORKFLOWS } from "../../workers/workflows/index.ts";
import { CONTRACT_WORKFLOWS } from "../contract/case-store.contract.ts";
import { testClock } from "./clock.ts";
import { CONVERSATION_WORKFLOWS } from "./conversation-workflows.ts";
import { mockModels, testModels } from "./models.ts";
import { TEST_WORKFLOWS } from "./workflows.ts";

export { DeadLetterObject } from "../../workers/platform/cloudflare/index.ts";

/** What is "deployed": tests replace the contents in place to deploy a new version (every object sees it). */
export const deployment: WorkflowDefinition[] = [
  ...WORKFLOWS,
  ...TEST_WORKFLOWS,
  ...CONTRACT_WORKFLOWS,
  ...CONVERSATION_WORKFLOWS,
];

/** The product's app, routing to the deployed workflows above (the test workflows' triggers too). */
const app = createApp((env) => ({
  ...cloudflarePlatform(env as Env),
  workflows: deployment,
  // A test registers a mock model as "translate" to stand in for a configured one; without it, the configuration's.
  translator: (workflowId: string) => {
    const mock = mockModels.get("translate");
    return mock ? { model: mock, ref: "mock:translate" } : translationModel(env as Record<string, unknown>, workflowId);
  },
}));

export default { ...worker, fetch: app.fetch } satisfies ExportedHandler<Env>;

export class CaseObject extends ProductCaseObject {
  protected override readonly workflows = deployment;
  protected override models() {
    return testModels(super.models());
  }
  protected override now(): number {
    return testClock.now();
  }
}
