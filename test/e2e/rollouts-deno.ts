/** The Deno entry the rollout e2e runs: the product on Deno, with the worse refund-dispute v3 deployed beside it. */
import { serveUntilInterrupted } from "../../workers/platform/deno/main.ts";
import { ROLLOUT_WORKFLOWS } from "./rollouts-fixture.ts";

await serveUntilInterrupted({ workflows: ROLLOUT_WORKFLOWS });
