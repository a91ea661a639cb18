/** The Deno entry the autonomy e2e runs: the product on Deno, with the short-ladder refund fixtures deployed beside it. */
import { serveUntilInterrupted } from "../../workers/platform/deno/main.ts";
import { AUTONOMY_WORKFLOWS } from "./autonomy-fixture.ts";

await serveUntilInterrupted({ workflows: AUTONOMY_WORKFLOWS });
