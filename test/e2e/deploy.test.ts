/** `wrangler deploy --dry-run` must build the production bundle with no Cloudflare account. */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { ROOT } from "../../scripts/stack.ts";

it("builds the worker bundle offline with wrangler deploy --dry-run", async () => {
  const outdir = mkdtempSync(join(tmpdir(), "crossflow-deploy-"));
  try {
    const { stdout, stderr } = await promisify(execFile)(join(ROOT, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", outdir], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_API_TOKEN: "" },
    });
    expect(stdout).toContain("env.CASES (CaseObject)");
    // Wrangler only warns about keys it does not know (a misspelt [observability.traces] would silently do nothing).
    expect(stderr).not.toContain("Unexpected fields");
    expect(existsSync(join(outdir, "index.js"))).toBe(true);
    expect(statSync(join(outdir, "index.js")).size).toBeGreaterThan(10_000);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
