import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const WORKERS = fileURLToPath(new URL("..", import.meta.url));

/** The portable core: everything but the platform adapters (workers/platform, which holds the Durable Object classes). */
const PORTABLE = [
  "engine",
  "ingest",
  "workflows",
  "http",
  "connectors",
  "metrics",
  "case",
  "dead-letters",
  "config.ts",
  "errors.ts",
];

function sources(entry: string): string[] {
  const path = join(WORKERS, entry);
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => join(path, f));
}

describe("portable core", () => {
  it.each(PORTABLE)("%s imports no runtime-specific module (cloudflare:*, Deno, node:*)", (entry) => {
    const offenders = sources(entry).filter((file) =>
      /from\s+["'](cloudflare:|node:)|\bDeno\./.test(readFileSync(file, "utf8")),
    );
    expect(offenders).toEqual([]);
  });

  it("keeps the case Durable Object class with the Cloudflare platform", () => {
    expect(readFileSync(join(WORKERS, "platform/cloudflare/case-object.ts"), "utf8")).toMatch(
      /from "cloudflare:workers"/,
    );
  });
});
