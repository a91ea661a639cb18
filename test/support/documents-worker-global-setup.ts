/**
 * Bundles the document reader's Worker (`crossflow-documents`) as `wrangler deploy --dry-run` builds it, for the
 * workerd test pool to run beside the tests: wrangler.toml's `DOCUMENTS` service binding then reaches the real reader
 * by RPC, as on Cloudflare (the pool takes an auxiliary Worker as a built script, not as a wrangler config).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { BIN, ROOT } from "../../scripts/stack/services.ts";
import { DOCUMENTS_WORKER_CONFIG } from "../../scripts/stack/worker.ts";

declare module "vitest" {
  export interface ProvidedContext {
    documentsWorker: { dir: string; scriptPath: string; compatibilityDate: string };
  }
}

export default function setup(project: TestProject) {
  const outdir = mkdtempSync(join(tmpdir(), "crossflow-documents-worker-"));
  const run = spawnSync(
    join(BIN, "wrangler"),
    ["deploy", "--dry-run", "--config", DOCUMENTS_WORKER_CONFIG, "--outdir", outdir],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  if (run.status !== 0) throw new Error(`bundling the document reader failed:\n${run.stderr}`);
  const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(
    readFileSync(DOCUMENTS_WORKER_CONFIG, "utf8"),
  )![1]!;
  project.provide("documentsWorker", { dir: outdir, scriptPath: join(outdir, "index.js"), compatibilityDate });
  return () => rmSync(outdir, { recursive: true, force: true });
}
