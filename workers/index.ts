/** Worker entry: the Hono app and the Durable Object classes. */
import { app } from "./app.ts";
import type { Env } from "./env.ts";

export { CaseObject } from "./case/case-object.ts";
export { DeadLetterObject } from "./dead-letters/dead-letter-object.ts";

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
