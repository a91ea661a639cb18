/** Starts a real libSQL endpoint (with migrations) for the workerd tests, and hands its URL to them. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { TestProject } from "vitest/node";
import { startLibsqlServer } from "../../db/local-server/server.ts";
import { applyMigrations } from "../../db/migrate.ts";

declare module "vitest" {
  export interface ProvidedContext {
    libsqlUrl: string;
    githubSecret: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "crossflow-workers-"));
  const file = join(dir, "metrics.db");
  await applyMigrations({ url: pathToFileURL(file).href });
  const server = await startLibsqlServer({ file });
  project.provide("libsqlUrl", server.url);
  return async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
}
