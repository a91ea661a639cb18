/** The HTTP layer: the Hono app every platform serves, and the port a platform implements for it. */
export { createApp } from "./app.ts";
export type { AppEnv } from "./app-env.ts";
export type { CaseDirectory, DeadLetterStore, Platform } from "./platform.ts";
