/** Reads local development vars the way `wrangler dev` does: `.dev.vars`, else `.dev.vars.example`. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./stack.ts";

export function devVar(name: string): string | undefined {
  const file = [".dev.vars", ".dev.vars.example"].map((f) => join(ROOT, f)).find(existsSync);
  if (!file) return undefined;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1] === name) return match[2]!.replace(/^"(.*)"$/, "$1");
  }
  return undefined;
}
