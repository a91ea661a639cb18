/**
 * A long case's cost per step by position, on Deno (run by bench/steps.bench.ts): the product's case host (Deno KV in
 * a local file) runs cases of STEPS sequential steps whose function answers at once and records the clock, so the
 * time between two step functions is one step's whole overhead at that position: replaying the journal, the
 * attempt's record, the step's record, audit entry and metric in one commit, and at each burst's end (every 200
 * steps) the metrics flush and the next alarm. The delivery takes each batch and keeps nothing: the figure is the
 * case's side of the flush (reading the outbox, rebuilding the case row's facts, marking the events sent).
 * Prints one JSON line: per case, the per-step times in ms.
 */
import { caseId, defineWorkflow } from "../../workers/engine/index.ts";
import { DenoCaseHost } from "../../workers/platform/deno/case-host.ts";

const STEPS = Number(Deno.env.get("BENCH_STEPS") ?? 1000);
const CASES = Number(Deno.env.get("BENCH_CASES") ?? 5);
let marks: number[] = [];

const benchSteps = defineWorkflow<{ steps: number }>(
  { id: "bench-steps", version: 1, minutesPerCase: 1, triggers: [] },
  async ({ input, step }) => {
    for (let i = 0; i < input.steps; i++)
      await step.run(`call-${i}`, async () => {
        marks.push(performance.now());
        return { ok: true, i };
      });
    return step.resolve("done", { steps: input.steps });
  },
);

const dir = await Deno.makeTempDir({ prefix: "crossflow-steps-" });
// BENCH_KV=memory: KV in memory, to tell the case's own cost from the file's.
const kv = await Deno.openKv(Deno.env.get("BENCH_KV") === "memory" ? ":memory:" : `${dir}/kv.sqlite3`);
let batches = 0;
const host = new DenoCaseHost(kv, {
  workflows: [benchSteps],
  metrics: () => ({
    deliver: async () => {
      batches++;
    },
  }),
  listen: false,
  // BENCH_REPLAY=1: the body replayed from the journal's start for every step (the path before sticky bursts).
  replayEachStep: Deno.env.get("BENCH_REPLAY") === "1",
});

const cases: number[][] = [];
for (let c = 0; c < CASES + 1; c++) {
  marks = [];
  const caseKey = `bench:${crypto.randomUUID()}`;
  const id = caseId(benchSteps.id, caseKey);
  const ingested = await host.ingest(id, {
    id: caseKey,
    source: "bench",
    type: "bench.start",
    receivedAt: Date.now(),
    caseKey,
    workflow: { id: benchSteps.id, version: benchSteps.version },
    opens: true,
    payloadJson: JSON.stringify({ steps: STEPS }),
  });
  if (ingested.status !== "accepted") throw new Error(`not accepted: ${JSON.stringify(ingested)}`);
  while (await host.runAlarm(id));
  const head = await host.head(id);
  if (head?.status !== "resolved" || marks.length !== STEPS)
    throw new Error(`case ended ${head?.status} after ${marks.length} steps`);
  // The first case warms the isolate and KV up.
  if (c > 0) cases.push(marks.slice(1).map((m, i) => m - marks[i]!));
}
console.log(JSON.stringify({ steps: STEPS, cases, batches }));
kv.close();
await Deno.remove(dir, { recursive: true });
