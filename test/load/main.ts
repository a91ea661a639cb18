/**
 * `npm run test:load [-- --short] [--runtime wrangler|deno] [--only a,b,c,d,e]`: the load-and-fault suite against a
 * fresh local stack per runtime (libSQL endpoint, simulators, and `wrangler dev` or Deno), sending only to 127.0.0.1.
 * Each scenario prints its figures; the run exits non-zero on any lost, doubled or stalled case, any 5xx or
 * connection error where none is allowed. `--short` is the CI version (about 15 s of load per scenario).
 */
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { checkSigning } from "./events.ts";
import { type LoadStack, type Runtime, startLoadStack } from "./runtime.ts";
import { burst, crash, duplicates, type Figures, FULL, faults, outage, SHORT } from "./scenarios.ts";

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const plan = args.includes("--short") ? SHORT : FULL;
const runtimes = (option("runtime")?.split(",") ?? ["wrangler", "deno"]) as Runtime[];
// (d) leaves faults queued in the simulators for calls it did not make, so it runs last.
const SCENARIOS = {
  a: ["burst of new cases", burst],
  b: ["20 % duplicate deliveries", duplicates],
  e: ["metrics store down", outage],
  c: ["kill -9 mid-load", crash],
  d: ["connectors failing 30 %", faults],
} as const;
const only = option("only")?.split(",");
const secrets = {
  stripe: firstSecret(devVar("STRIPE_WEBHOOK_SECRET")),
  zendesk: firstSecret(devVar("ZENDESK_WEBHOOK_SECRET")),
};

await checkSigning(secrets);
const failures: string[] = [];
let stack: LoadStack | undefined;
const stopAll = async () => {
  await stack?.stop();
  stack = undefined;
};
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => void stopAll().then(() => process.exit(130)));

const print = (title: string, figures: Figures) => {
  console.log(`\n### ${title}\n`);
  console.log("| figure | value |\n|---|---:|");
  for (const [k, v] of Object.entries(figures)) console.log(`| ${k} | ${v} |`);
};

for (const runtime of runtimes) {
  try {
    stack = await startLoadStack(runtime, plan.connectorTimeoutMs);
    console.log(
      `\n## ${runtime === "wrangler" ? "wrangler dev" : "Deno"} (${args.includes("--short") ? "short" : "full"} run; services' output in ${stack.logFile})`,
    );
    for (const [key, [name, scenario]] of Object.entries(SCENARIOS)) {
      if (only && !only.includes(key)) continue;
      const title = `${runtime}: (${key}) ${name}`;
      const began = Date.now();
      const reloadsBefore = stack.reloads();
      try {
        const figures = await scenario(stack, secrets, plan);
        print(title, {
          ...figures,
          ...(stack.reloads() > reloadsBefore
            ? { "runtime reloads (a source file changed)": stack.reloads() - reloadsBefore }
            : {}),
        });
        console.log(`\n${title}: passed in ${((Date.now() - began) / 1000).toFixed(0)} s`);
      } catch (error) {
        const measured = (error as { figures?: Figures }).figures;
        if (measured) print(`${title} (failed)`, measured);
        const reloaded =
          stack.reloads() > reloadsBefore
            ? ` (wrangler dev reloaded ${stack.reloads() - reloadsBefore}× during it: a source file changed)`
            : "";
        failures.push(`${title}: ${(error as Error).message}${reloaded}`);
        console.error(
          `\n${title}: FAILED after ${((Date.now() - began) / 1000).toFixed(0)} s: ${(error as Error).stack}`,
        );
      }
    }
  } catch (error) {
    failures.push(`${runtime}: ${(error as Error).message}`);
    console.error(error);
  } finally {
    await stopAll();
  }
}

if (failures.length > 0) {
  console.error(`\n${failures.length} failed:\n${failures.map((f) => `- ${f}`).join("\n")}`);
  process.exit(1);
}
console.log("\nall load scenarios passed");
