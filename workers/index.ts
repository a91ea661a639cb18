/** Worker entry: the Hono app and the case Durable Object class. */
import { app } from "./app.ts";
import type { Env } from "./env.ts";

export { CaseObject } from "./case/case-object.ts";

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
