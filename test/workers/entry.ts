/**
 * The worker the workerd tests run: the product's worker, whose case objects also know the test workflows and
 * read the test clock. Everything else (routes, storage, alarms, the dead-letter object) is the product's own.
 */
import { CaseObject as ProductCaseObject } from "../../workers/case/case-object.ts";
import { WORKFLOWS } from "../../workers/workflows/index.ts";
import { testClock } from "./clock.ts";
import { TEST_WORKFLOWS } from "./workflows.ts";

export { default, DeadLetterObject } from "../../workers/index.ts";

export class CaseObject extends ProductCaseObject {
  protected override readonly workflows = [...WORKFLOWS, ...TEST_WORKFLOWS];
  protected override now(): number {
    return testClock.now();
  }
}
