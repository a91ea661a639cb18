/**
 * `npm run bench:bundle`: the Worker's size as `wrangler deploy` would upload it (`--dry-run`), as configured in
 * wrangler.toml and minified, raw and gzipped, against a budget: the gzipped upload decides how long a fresh isolate
 * takes to fetch and parse the script. Exits non-zero over budget. Writes its section of bench/RESULTS.md.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { BIN } from "../scripts/stack/services.ts";
import { ROOT } from "../scripts/stack.ts";
import { machine, writeSection } from "./results.ts";

/** Gzipped KiB the minified Worker may take (issue 19: it measured 347 KiB minified, 499 KiB as shipped). */
const BUDGET_KIB = 450;

function bundle(minify: boolean): { raw: number; gzip: number } {
  const out = mkdtempSync(join(tmpdir(), "crossflow-bundle-"));
  try {
    const run = spawnSync(
      join(BIN, "wrangler"),
      ["deploy", "--dry-run", "--outdir", out, ...(minify ? ["--minify"] : [])],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
    );
    if (run.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${run.stderr}`);
    const code = readFileSync(join(out, "index.js"));
    return { raw: code.byteLength / 1024, gzip: gzipSync(code).byteLength / 1024 };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const shipped = bundle(false);
const minified = bundle(true);
const within = minified.gzip <= BUDGET_KIB;
const kib = (n: number) => `${n.toFixed(0)} KiB`;
const report = `## The Worker's bundle (\`npm run bench:bundle\`)

Measured: ${new Date().toISOString()}
Machine: ${machine()}
\`wrangler deploy --dry-run --outdir …\` (with \`--minify\` for the second row); gzip level 6 of the script alone.

| bundle | raw | gzipped |
|---|---:|---:|
| as wrangler.toml builds it | ${kib(shipped.raw)} | ${kib(shipped.gzip)} |
| minified | ${kib(minified.raw)} | ${kib(minified.gzip)} |

Budget: the minified Worker ≤ ${BUDGET_KIB} KiB gzipped: **${within ? "within" : "OVER"}** (${kib(minified.gzip)}).
${/^\s*minify\s*=\s*true/m.test(readFileSync(join(ROOT, "wrangler.toml"), "utf8")) ? "wrangler.toml sets `minify = true`: the first row is what is uploaded." : "wrangler.toml does not set `minify = true`, so the upload is the first row, over the budget until it does."}
The first request of a fresh isolate is not measured here (\`wrangler dev\` loads the script at start).
`;
writeSection("bundle", report);
console.log(report);
if (!within) process.exitCode = 1;
