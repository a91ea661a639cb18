export { dispatchDelivery, type DeadLetterSink, type DispatchDeps, type DispatchResult } from "./dispatch.ts";
export { BUILT_IN_SOURCES, resolveSources } from "./sources/index.ts";
