export { advanceCase, NonDeterminismError, type Advance, type AdvanceInput } from "./advance.ts";
export { defineWorkflow, type WorkflowHeader } from "./define.ts";
export { routeEvent, type Route } from "./routing.ts";
export * from "./types.ts";
