/**
 * The worker the workerd tests run: the product's worker, whose case objects also know the test and contract
 * workflows and read the test clock. Everything else (routes, storage, alarms, the dead-letter object) is the
 * product's own.
 */
import { CaseObject as ProductCaseObject } from "../../workers/case/case-object.ts";
import type { WorkflowDefinition } from "../../workers/engine/index.ts";
import { WORKFLOWS } from "../../workers/workflows/index.ts";
import { CONTRACT_WORKFLOWS } from "../contract/case-store.contract.ts";
import { testClock } from "./clock.ts";
import { testModels } from "./models.ts";
import { TEST_WORKFLOWS } from "./workflows.ts";

export { default, DeadLetterObject } from "../../workers/index.ts";

/** What is "deployed": tests replace the contents in place to deploy a new version (every object sees it). */
export const deployment: WorkflowDefinition[] = [...WORKFLOWS, ...TEST_WORKFLOWS, ...CONTRACT_WORKFLOWS];

export class CaseObject extends ProductCaseObject {
  protected override readonly workflows = deployment;
  protected override models() {
    return testModels(super.models());
  }
  protected override now(): number {
    return testClock.now();
  }
}
