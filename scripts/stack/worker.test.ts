import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./services.ts";
import { DOCUMENTS_WORKER_CONFIG, wranglerConfigs } from "./worker.ts";

describe("the wrangler configs one wrangler dev runs", () => {
  it("runs the document reader beside a worker that binds it, and nothing beside one that does not", () => {
    expect(wranglerConfigs()).toEqual([join(ROOT, "wrangler.toml"), DOCUMENTS_WORKER_CONFIG]);
    expect(wranglerConfigs(join(ROOT, "wrangler.toml"))).toEqual([
      join(ROOT, "wrangler.toml"),
      DOCUMENTS_WORKER_CONFIG,
    ]);
    expect(wranglerConfigs("bench/engine/wrangler.toml")).toEqual([join(ROOT, "bench/engine/wrangler.toml")]);
  });
});
