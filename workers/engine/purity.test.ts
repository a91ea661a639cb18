import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const WORKERS = fileURLToPath(new URL("..", import.meta.url));

/** The portable core: everything but the platform adapters (workers/platform, the Durable Object classes). */
const PORTABLE = ["engine", "ingest", "workflows", "api", "connectors", "metrics", "case", "app.ts", "errors.ts"];
const ADAPTERS = new Set(["case/case-object.ts"]);

function sources(entry: string): string[] {
  const path = join(WORKERS, entry);
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !ADAPTERS.has(join(entry, f)))
    .map((f) => join(path, f));
}

describe("portable core", () => {
  it.each(PORTABLE)("%s imports no runtime-specific module (cloudflare:*, Deno, node:*)", (entry) => {
    const offenders = sources(entry).filter((file) => /from\s+["'](cloudflare:|node:)|\bDeno\./.test(readFileSync(file, "utf8")));
    expect(offenders).toEqual([]);
  });

  it("keeps the Durable Object class as the only case module bound to Cloudflare", () => {
    expect(readFileSync(join(WORKERS, "case/case-object.ts"), "utf8")).toMatch(/from "cloudflare:workers"/);
  });
});
