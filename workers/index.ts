/** Worker entry: the Hono app and the Durable Object classes. */
import { createApp } from "./app.ts";
import type { Env } from "./env.ts";
import { cloudflarePlatform } from "./platform/cloudflare.ts";

export { CaseObject } from "./case/case-object.ts";
export { DeadLetterObject } from "./dead-letters/dead-letter-object.ts";

export const app = createApp((env) => cloudflarePlatform(env as Env));

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
