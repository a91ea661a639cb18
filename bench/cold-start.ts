/**
 * The first request of a fresh isolate, measured the way workerd meets a script: a new `workerd` (through Miniflare)
 * loads the bundle, compiles it and runs its module scope, then serves one `GET /healthz`. A one-line Worker started
 * the same way in the same run is the baseline: what is left above it is the script's own cost (its size to parse, the
 * work its modules do at import), which is what a cold start on Cloudflare pays too.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";

export interface ColdStart {
  /** From `new Miniflare` to ready: workerd up, the script compiled and its module scope run. */
  loadMs: number;
  /** The first request after that (the isolate's first fetch handler call, routing and all). */
  firstRequestMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function startOnce(dir: string, compatibilityDate: string): Promise<ColdStart> {
  // The bundle's text is handed over as its one module, read before the clock starts: given a script path instead,
  // Miniflare parses the script in Node to find its imports (a second or more for a 3 MB bundle), a cost workerd on
  // Cloudflare never pays.
  const path = join(dir, "index.js");
  const contents = readFileSync(path, "utf8");
  const started = performance.now();
  const mf = new Miniflare({
    modules: [{ type: "ESModule", path, contents }],
    modulesRoot: dir,
    compatibilityDate,
    durableObjects: { CASES: "CaseObject", DEAD_LETTERS: "DeadLetterObject" },
  });
  try {
    await mf.ready;
    const ready = performance.now();
    const res = await mf.dispatchFetch("http://localhost/healthz");
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET /healthz answered ${res.status} in the cold-start probe`);
    return { loadMs: ready - started, firstRequestMs: performance.now() - ready };
  } finally {
    await mf.dispose();
  }
}

/**
 * Median over `runs` fresh starts of the bundle in `dir` (its `index.js`).
 * @example await coldStart(outdir, "2026-04-20", 5) // → { loadMs: 480, firstRequestMs: 12 }
 */
export async function coldStart(dir: string, compatibilityDate: string, runs: number): Promise<ColdStart> {
  const samples: ColdStart[] = [];
  for (let i = 0; i < runs; i++) samples.push(await startOnce(dir, compatibilityDate));
  return {
    loadMs: median(samples.map((s) => s.loadMs)),
    firstRequestMs: median(samples.map((s) => s.firstRequestMs)),
  };
}

/** A Worker that does nothing but answer, with the same exports the real one binds: the same-run baseline. */
export function writeTrivialWorker(dir: string): void {
  writeFileSync(
    join(dir, "index.js"),
    [
      'export default { fetch() { return new Response("ok"); } };',
      "export class CaseObject { fetch() { return new Response(null, { status: 204 }); } }",
      "export class DeadLetterObject extends CaseObject {}",
    ].join("\n"),
  );
}
