/**
 * `npm run bench:engine`: the case engine's own cost per step, on `wrangler dev`, with a connector that answers at
 * once. Each sample opens one case of N sequential steps and runs it to resolution through the case object's
 * alarm handler (every step journaled, audited, metered and its attempt recorded in SQLite, metrics flushed to
 * the local libSQL endpoint). Per-step overhead = (time for N steps − time for 0 steps) / N, paired in the same
 * moment so the request's own round trip cancels out. Writes its section of bench/RESULTS.md.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack } from "../scripts/stack.ts";
import { machine, writeSection } from "./results.ts";

const SAMPLES = Number(process.env.BENCH_ENGINE_SAMPLES ?? 15);
const STEPS_PER_SAMPLE = 50;
const LONG_CASE = 400;
const LONG_RUNS = Number(process.env.BENCH_ENGINE_LONG_RUNS ?? 5);
const AGENT_ROUNDS = 5;
const STUB_DELAY_MS = 20;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function timed(url: string, init?: RequestInit): Promise<{ ms: number; body: any }> {
  const began = performance.now();
  const res = await fetch(url, init);
  const body = await res.json();
  const ms = performance.now() - began;
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return { ms, body };
}

async function runCase(base: string, steps: number): Promise<number> {
  const { ms, body } = await timed(`${base}/bench/cases?steps=${steps}`, { method: "POST" });
  // Every measured case must really have run every step to resolution.
  if (body.status !== "resolved" || body.steps !== steps + 1)
    throw new Error(`case with ${steps} steps ended ${JSON.stringify(body)}`);
  return ms;
}

const dataDir = mkdtempSync(join(tmpdir(), "crossflow-engine-bench-"));
const stack = await startStack({ dataDir, dashboard: false, quiet: true, workerConfig: "bench/engine/wrangler.toml" });
try {
  const base = stack.worker.url;
  for (let i = 0; i < 5; i++) await runCase(base, 20); // warm up the isolate, SQLite and the libSQL client

  const trivial: number[] = [];
  for (let i = 0; i < 50; i++) trivial.push((await timed(`${base}/healthz`)).ms);

  const perStep: number[] = [];
  const empty: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const zero = await runCase(base, 0);
    const n = await runCase(base, STEPS_PER_SAMPLE);
    empty.push(zero);
    perStep.push((n - zero) / STEPS_PER_SAMPLE);
  }

  const long: number[] = [];
  for (let i = 0; i < LONG_RUNS; i++) long.push(await runCase(base, LONG_CASE));

  // Agent steps: R tool-calling rounds against a model stub that answers after a fixed delay.
  const perRoundInStep: number[] = [];
  const perRoundEndToEnd: number[] = [];
  for (let i = 0; i < SAMPLES + 2; i++) {
    const zero = await runCase(base, 0);
    const { ms, body } = await timed(`${base}/bench/cases?rounds=${AGENT_ROUNDS}&delay=${STUB_DELAY_MS}`, {
      method: "POST",
    });
    if (body.status !== "resolved" || body.modelSteps !== AGENT_ROUNDS)
      throw new Error(`agent case ended ${JSON.stringify(body)}`);
    if (i < 2) continue; // warm-up
    perRoundInStep.push((body.agentMs - AGENT_ROUNDS * STUB_DELAY_MS) / AGENT_ROUNDS);
    perRoundEndToEnd.push((ms - zero - AGENT_ROUNDS * STUB_DELAY_MS) / AGENT_ROUNDS);
  }

  const trivialP50 = percentile(trivial, 50);
  const stepP50 = percentile(perStep, 50);
  const longMedian = percentile(long, 50);
  const stepGoal = stepP50 <= 2;
  const longGoal = longMedian <= 2000;
  const roundP95 = percentile(perRoundEndToEnd, 95);
  const roundGoal = roundP95 <= 5;
  const report = `## Case engine on \`wrangler dev\`

Command: \`npm run bench:engine\` (BENCH_ENGINE_SAMPLES=${SAMPLES}, BENCH_ENGINE_LONG_RUNS=${LONG_RUNS})
Measured: ${new Date().toISOString()}
Machine: ${machine()}
Runtime: \`wrangler dev\` (local workerd, Durable Object SQLite under ${tmpdir()}) and the local libSQL endpoint.

| figure | value | goal |
|---|---:|---|
| trivial route \`GET /healthz\`, p50 of 50 (baseline) | ${trivialP50.toFixed(2)} ms | |
| case with 0 steps (open → resolve), median of ${SAMPLES} | ${percentile(empty, 50).toFixed(1)} ms (${(percentile(empty, 50) / trivialP50).toFixed(1)} × baseline) | |
| engine overhead per step, p50 of ${SAMPLES} samples of ${STEPS_PER_SAMPLE} steps | **${stepP50.toFixed(3)} ms** | ≤ 2 ms: ${stepGoal ? "met" : "NOT met"} |
| engine overhead per step, p90 | ${percentile(perStep, 90).toFixed(3)} ms | |
| ${LONG_CASE} sequential steps in one case, median of ${LONG_RUNS} (${long.map((v) => v.toFixed(0)).join(", ")} ms) | **${longMedian.toFixed(0)} ms** (${(longMedian / trivialP50).toFixed(0)} × baseline) | ≤ 2 s: ${longGoal ? "met" : "NOT met"} (Windmill: 19.7 s on 2 vCPU) |
| agent step: overhead per tool-calling round, end to end, p95 of ${SAMPLES} (${AGENT_ROUNDS} rounds, stub answers after ${STUB_DELAY_MS} ms) | **${roundP95.toFixed(2)} ms** (p50 ${percentile(perRoundEndToEnd, 50).toFixed(2)} ms) | ≤ 5 ms p95: ${roundGoal ? "met" : "NOT met"} |
| agent step: overhead per round inside the step (AI SDK loop, guardrails, transcript), p95 | ${percentile(perRoundInStep, 95).toFixed(2)} ms (p50 ${percentile(perRoundInStep, 50).toFixed(2)} ms) | |

A step here is what every step costs in production: replaying the journal up to it, recording the attempt
before the connector call (the outbox), then in one SQLite transaction the step record, its hash-chained audit
entry and its metric event; bursts of up to 200 steps per alarm, and the metric flush to libSQL after each burst.
The 400-step time includes the round trip of the request that starts the case.

Agent rounds: overhead per round = (time to run the case − time for a case with no steps − rounds × stub delay)
÷ rounds, so it holds the AI SDK's tool loop, the guardrail checks, the read-only tool call, the transcript, and
the agent step's record, audit (one entry per guardrail verdict) and metric. Inside the step, the object's
clock (it moves across the stub's timers) times the turn alone.
`;
  writeSection("engine", report);
  console.log(report);
} finally {
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
