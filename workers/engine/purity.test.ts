import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const WORKERS = fileURLToPath(new URL("..", import.meta.url));

function sources(folder: string): string[] {
  return readdirSync(join(WORKERS, folder), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => join(WORKERS, folder, f));
}

describe("portable core", () => {
  it.each(["engine", "ingest", "workflows"])("%s imports no runtime-specific module (cloudflare:*, Deno, node:*)", (folder) => {
    const offenders = sources(folder).filter((file) => /from\s+["'](cloudflare:|node:)|\bDeno\./.test(readFileSync(file, "utf8")));
    expect(offenders).toEqual([]);
  });
});
