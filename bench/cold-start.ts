/**
 * The first request of a fresh isolate, measured the way workerd meets a script: a new `workerd` (through Miniflare)
 * loads the bundle, compiles it and runs its module scope, then serves one `GET /healthz`. A one-line Worker started
 * the same way in the same run is the baseline: what is left above it is the script's own cost (its size to parse, the
 * work its modules do at import), which is what a cold start on Cloudflare pays too. Each Worker is probed as it is
 * reached: the case Worker with its Durable Object classes bound and `GET /healthz`; the document reader, which has no
 * HTTP API (it is called by RPC), with its first `fetch` (answered 404), which loads it as its first RPC call would.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { median } from "./results.ts";

export interface ColdStart {
  /** From `new Miniflare` to ready: workerd up, the script compiled and its module scope run. */
  loadMs: number;
  /** The first request after that (the isolate's first fetch handler call, routing and all). */
  firstRequestMs: number;
}

/** How a Worker is started and first called: the bindings its exports need, the request and the answer expected. */
export interface ColdProbe {
  durableObjects?: Record<string, string>;
  path: string;
  status: number;
}

/** The case Worker: its Durable Object classes bound, its health route. */
export const CASE_WORKER_PROBE: ColdProbe = {
  durableObjects: { CASES: "CaseObject", DEAD_LETTERS: "DeadLetterObject" },
  path: "/healthz",
  status: 200,
};

async function startOnce(dir: string, compatibilityDate: string, probe: ColdProbe): Promise<ColdStart> {
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
    ...(probe.durableObjects ? { durableObjects: probe.durableObjects } : {}),
  });
  try {
    await mf.ready;
    const ready = performance.now();
    const res = await mf.dispatchFetch(`http://localhost${probe.path}`);
    await res.arrayBuffer();
    if (res.status !== probe.status)
      throw new Error(`GET ${probe.path} answered ${res.status} (not ${probe.status}) in the cold-start probe`);
    return { loadMs: ready - started, firstRequestMs: performance.now() - ready };
  } finally {
    await mf.dispose();
  }
}

/**
 * Medians over `runs` fresh starts of each bundle (a dir holding its `index.js`), probed as `probe` says. The bundles
 * take turns (one start of each per round, after one start of each that is not counted: the first workerd of a run
 * pays for a cold disk cache), so a machine getting busier or quieter during the run weighs on all of them alike.
 * @example await coldStarts({ trivial, shipped }, "2026-04-20", 5, CASE_WORKER_PROBE) // → { trivial: {…}, shipped: {…} }
 */
export async function coldStarts<K extends string>(
  dirs: Record<K, string>,
  compatibilityDate: string,
  runs: number,
  probe: ColdProbe,
): Promise<Record<K, ColdStart>> {
  const names = Object.keys(dirs) as K[];
  for (const name of names) await startOnce(dirs[name], compatibilityDate, probe);
  const samples = Object.fromEntries(names.map((n) => [n, [] as ColdStart[]])) as Record<K, ColdStart[]>;
  for (let i = 0; i < runs; i++)
    for (const name of names) samples[name].push(await startOnce(dirs[name], compatibilityDate, probe));
  return Object.fromEntries(
    names.map((n) => [
      n,
      {
        loadMs: median(samples[n].map((s) => s.loadMs)),
        firstRequestMs: median(samples[n].map((s) => s.firstRequestMs)),
      },
    ]),
  ) as Record<K, ColdStart>;
}

/**
 * A Worker that does nothing but answer, with the same exports the case Worker binds: the same-run baseline (started
 * with each Worker's probe, so its bindings are the same; its answer is the probe's status).
 */
export function writeTrivialWorker(dir: string, status = 200): void {
  writeFileSync(
    join(dir, "index.js"),
    [
      `export default { fetch() { return new Response("ok", { status: ${status} }); } };`,
      "export class CaseObject { fetch() { return new Response(null, { status: 204 }); } }",
      "export class DeadLetterObject extends CaseObject {}",
    ].join("\n"),
  );
}
