/** Reads local development vars the way `wrangler dev` does: `.dev.vars`, else `.dev.vars.example`. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDotenv } from "../workers/platform/dotenv.ts";
import { activeSecrets } from "../workers/webhooks/hmac.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Every local development var (the worker's configuration as `wrangler dev` gets it). */
export function devVars(): Record<string, string> {
  const file = [".dev.vars", ".dev.vars.example"].map((f) => join(ROOT, f)).find(existsSync);
  return file ? parseDotenv(readFileSync(file, "utf8")) : {};
}

export function devVar(name: string): string | undefined {
  return devVars()[name];
}

/**
 * The first active value of a secret setting, split the way the worker splits it (a rotation lists several,
 * comma- or whitespace-separated); "" when unset.
 * @example firstSecret(devVar("CROSSFLOW_API_TOKEN"))
 */
export function firstSecret(value: string | undefined): string {
  return activeSecrets(value)[0] ?? "";
}
