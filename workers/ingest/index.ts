export { type DeadLetterSink, type DispatchDeps, type DispatchResult, dispatchDelivery } from "./dispatch.ts";
export { BUILT_IN_SOURCES, resolveSources } from "./sources/index.ts";
