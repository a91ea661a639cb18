/**
 * `npm run bench:steps`: does a step cost more the longer its case is? Runs bench/probe/deno-steps.ts (the product's
 * Deno case host over a local KV file, cases of 1,000 steps whose functions answer at once and record the clock) and
 * compares a step's overhead near step 10 with its overhead near step 1,000, both as the median step and as the mean
 * over the 200-step burst around it (which carries that burst's metrics flush). Writes its section of bench/RESULTS.md.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { BIN } from "../scripts/stack/services.ts";
import { ROOT } from "../scripts/stack.ts";
import { machine, writeSection } from "./results.ts";

const STEPS = 1_000;
const CASES = Number(process.env.BENCH_CASES ?? 5);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** The four figures over `CASES` cases, with KV in a local file or in memory (the case's own cost alone). */
function measure(kv: "file" | "memory") {
  const out = spawnSync(join(BIN, "deno"), ["run", "--unstable-kv", "--allow-all", "bench/probe/deno-steps.ts"], {
    cwd: ROOT,
    env: { ...process.env, BENCH_STEPS: String(STEPS), BENCH_CASES: String(CASES), BENCH_KV: kv },
    encoding: "utf8",
  });
  if (out.status !== 0) throw new Error(`deno-steps.ts failed:\n${out.stderr}`);
  const { cases } = JSON.parse(out.stdout.trim().split("\n").at(-1)!) as { cases: number[][] };
  // cases[c][k] is the time from step k + 1's function to step k + 2's (steps counted from 1).
  const figures = cases.map((c) => ({
    near10: median(c.slice(1, 20)),
    near1000: median(c.slice(STEPS - 21, STEPS - 1)),
    firstBurst: mean(c.slice(0, 199)),
    lastBurst: mean(c.slice(STEPS - 200, STEPS - 1)),
  }));
  const pick = (k: keyof (typeof figures)[number]) => median(figures.map((f) => f[k]));
  return {
    near10: pick("near10"),
    near1000: pick("near1000"),
    firstBurst: pick("firstBurst"),
    lastBurst: pick("lastBurst"),
  };
}

const onFile = measure("file");
const inMemory = measure("memory");
const { near10, near1000, firstBurst, lastBurst } = onFile;
const row = (label: string, a: number, b: number) =>
  `| ${label} | ${a.toFixed(3)} ms | ${b.toFixed(3)} ms | ${(b / a).toFixed(2)} |`;
const goal = near1000 / near10 <= 1.2 && lastBurst / firstBurst <= 1.2;
const report = `## A step's cost by its position in the case (Deno)

Command: \`npm run bench:steps\` (BENCH_CASES=${CASES})
Measured: ${new Date().toISOString()}
Machine: ${machine()}
Runtime: the product's Deno case host (workers/platform/deno/case-host.ts) over a local Deno KV file, in one Deno
process (bench/probe/deno-steps.ts); ${CASES} cases of ${STEPS} steps after one warm-up case, each run to its end by
its alarms (bursts of 200 steps). A step's function answers at once and records the clock: the time between two
is one step's whole overhead. The metric delivery takes each batch and keeps nothing, so the flush figure is the
case's side (outbox, the case row's facts, marking events sent). Median over the cases.

| figure | near step 10 | near step 1,000 | ratio (goal ≤ 1.2) |
|---|---:|---:|---:|
${row("KV file: median step (steps 3–21 vs 980–999)", near10, near1000)}
${row("KV file: mean step over its burst (steps 1–200 vs 801–1,000, with the burst's flush)", firstBurst, lastBurst)}
${row("KV in memory (the case's own cost): median step", inMemory.near10, inMemory.near1000)}
${row("KV in memory: mean step over its burst", inMemory.firstBurst, inMemory.lastBurst)}

**Goal (issue 19): a step's overhead at step 1,000 ≤ 1.2 × its overhead at step 10: ${goal ? "met" : "NOT met"}** in this run.

Where a step's own cost grows (a CPU profile of the in-memory run with 2,000-step cases, \`deno run --cpu-prof\`,
2026-12-01): the engine replays the workflow body from the journal's start at every step, so each step claims every
earlier step id again (\`Replay.claim\` alone was 15 % of the CPU), and the memory store scans all attempts to begin and
finish each step's attempt. The metrics flush no longer grows with the case: it folds only the audit entries added
since the last flush (\`CaseFactsFold\`). On the KV file the commit dominates (idle waiting on it 64 %,
\`op_kv_atomic_write\` 17 %), and its cost moves with the file's size and the machine's load.
`;
writeSection("steps", report);
console.log(report);
