/** The engine's vocabulary. Pure data: no runtime APIs, so the same core runs in workerd, Deno and Node. */
export * from "./types/case.ts";
export * from "./types/human.ts";
export * from "./types/workflow.ts";
