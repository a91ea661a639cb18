/**
 * `wrangler dev` running a test entry instead of the product's (test workflows beside the product's), with the
 * product's own configuration: wrangler.toml is copied with only `main` changed, next to a copy of `.dev.vars`
 * (wrangler reads secrets from beside its config), in a temporary folder the caller removes.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "smol-toml";
import { ensureDevVars, ROOT } from "../../scripts/stack.ts";

/** Writes the config and returns its path and folder; `main` is a path from the repository's root. */
export function testWorkerConfig(main: string): { config: string; dir: string } {
  ensureDevVars();
  const dir = mkdtempSync(join(tmpdir(), "crossflow-test-worker-"));
  const config = parse(readFileSync(join(ROOT, "wrangler.toml"), "utf8"));
  writeFileSync(join(dir, "wrangler.toml"), stringify({ ...config, main: join(ROOT, main) }));
  copyFileSync(join(ROOT, ".dev.vars"), join(dir, ".dev.vars"));
  return { config: join(dir, "wrangler.toml"), dir };
}
