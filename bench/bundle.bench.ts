/**
 * `npm run bench:bundle`: the Worker's size as `wrangler deploy` would upload it (`--dry-run`), as configured in
 * wrangler.toml and unminified, raw and gzipped, against a budget: the gzipped upload decides how long a fresh isolate
 * takes to fetch and parse the script. Then each bundle's cold start (bench/cold-start.ts) against a one-line Worker
 * started the same way in the same run. Exits non-zero over budget. Writes its section of bench/RESULTS.md.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { BIN } from "../scripts/stack/services.ts";
import { ROOT } from "../scripts/stack.ts";
import { type ColdStart, coldStart, writeTrivialWorker } from "./cold-start.ts";
import { machine, writeSection } from "./results.ts";

/** Gzipped KiB the minified Worker may take (issue 19: it measured 347 KiB minified, 499 KiB as shipped). */
const BUDGET_KIB = 450;

/** Fresh starts per bundle for the cold-start medians (each starts a workerd). */
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5);
const COMPATIBILITY_DATE = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(
  readFileSync(join(ROOT, "wrangler.toml"), "utf8"),
)![1]!;

/** `wrangler deploy --dry-run` into `out`, as wrangler.toml says (`minify` unset) or with `--minify=false`. */
function bundle(out: string, minify: "as-configured" | "off"): { raw: number; gzip: number } {
  const run = spawnSync(
    join(BIN, "wrangler"),
    ["deploy", "--dry-run", "--outdir", out, ...(minify === "off" ? ["--minify=false"] : [])],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  if (run.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${run.stderr}`);
  const code = readFileSync(join(out, "index.js"));
  return { raw: code.byteLength / 1024, gzip: gzipSync(code).byteLength / 1024 };
}

const dirs = { shipped: "", unminified: "", trivial: "" };
for (const k of Object.keys(dirs) as (keyof typeof dirs)[]) dirs[k] = mkdtempSync(join(tmpdir(), `crossflow-${k}-`));
let shipped: { raw: number; gzip: number };
let unminified: { raw: number; gzip: number };
const cold: Record<keyof typeof dirs, ColdStart> = {} as never;
try {
  shipped = bundle(dirs.shipped, "as-configured");
  unminified = bundle(dirs.unminified, "off");
  writeTrivialWorker(dirs.trivial);
  for (const k of ["trivial", "shipped", "unminified"] as const)
    cold[k] = await coldStart(dirs[k], COMPATIBILITY_DATE, COLD_RUNS);
} finally {
  for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
}
const minifies = /^\s*minify\s*=\s*true/m.test(readFileSync(join(ROOT, "wrangler.toml"), "utf8"));
const within = shipped.gzip <= BUDGET_KIB;
const kib = (n: number) => `${n.toFixed(0)} KiB`;
const ms = (n: number) => `${n.toFixed(0)} ms`;
const ratio = (n: number, base: number) => `${(n / base).toFixed(2)}×`;
const coldRow = (name: string, c: ColdStart) =>
  `| ${name} | ${ms(c.loadMs)} | ${ratio(c.loadMs, cold.trivial.loadMs)} | ${ms(c.firstRequestMs)} | ${ratio(c.firstRequestMs, cold.trivial.firstRequestMs)} |`;
const report = `## The Worker's bundle and cold start (\`npm run bench:bundle\`)

Measured: ${new Date().toISOString()}
Machine: ${machine()}
\`wrangler deploy --dry-run --outdir …\` as wrangler.toml configures it (minify ${minifies ? "on" : "off"}), and with \`--minify=false\`; gzip level 6 of the script alone.

| bundle | raw | gzipped |
|---|---:|---:|
| as wrangler.toml builds it (what is uploaded) | ${kib(shipped.raw)} | ${kib(shipped.gzip)} |
| unminified | ${kib(unminified.raw)} | ${kib(unminified.gzip)} |

Budget: the uploaded Worker ≤ ${BUDGET_KIB} KiB gzipped: **${within ? "within" : "OVER"}** (${kib(shipped.gzip)}).

### Cold start: a fresh workerd loads the bundle, then serves its first \`GET /healthz\` (median of ${COLD_RUNS} starts)

| script | load (workerd up, script compiled, module scope run) | ratio to one-line Worker | first request | ratio |
|---|---:|---:|---:|---:|
${coldRow("one-line Worker (baseline, same run)", cold.trivial)}
${coldRow("Crossflow, as uploaded", cold.shipped)}
${coldRow("Crossflow, unminified", cold.unminified)}

The script's own share of a cold start is its load time above the baseline's: ${ms(cold.shipped.loadMs - cold.trivial.loadMs)} as uploaded, ${ms(cold.unminified.loadMs - cold.trivial.loadMs)} unminified.
`;
writeSection("bundle", report);
console.log(report);
if (!within) process.exitCode = 1;
