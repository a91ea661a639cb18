/**
 * Where a case lives in Deno KV (workers/platform/deno/kv-case-store.ts): its version at its records' prefix itself
 * (`["case", id]`, beside them in key order, not listed with them), and a case stored before that (its version at
 * `["case-version", id]`) read as it is and moved by its next commit, checked where it was. `npm run test:deno`.
 */
import type { MetricEvent } from "../../workers/metrics/index.ts";
import { CaseConflictError, openKvCaseStore } from "../../workers/platform/deno/kv-case-store.ts";

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** The ids of a store's metric events not yet sent, in order: what a case's records hold, read back. */
const pendingIds = (store: { pendingMetrics(limit: number): MetricEvent[] }) =>
  store
    .pendingMetrics(10)
    .map((e) => e.id)
    .join();

const metric = (id: string): MetricEvent => ({
  id,
  caseId: "wf/k",
  caseKey: "k",
  workflowId: "wf",
  workflowVersion: 1,
  kind: "step.completed",
  stepId: id,
  at: 1,
  humanTouch: false,
});

Deno.test("a case's version sits at its prefix: moved by each commit, never listed as a record", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = await openKvCaseStore(kv, "wf/k");
    await store.atomically(() => store.queueMetric(metric("a")));
    await store.atomically(() => store.queueMetric(metric("b")));
    const version = await kv.get<number>(["case", "wf/k"]);
    assert(version.value === 2, `two commits, version 2: ${version.value}`);
    assert((await kv.get(["case-version", "wf/k"])).versionstamp === null, "nothing under the legacy key");
    const keys: Deno.KvKey[] = [];
    for await (const entry of kv.list({ prefix: ["case", "wf/k"] })) keys.push(entry.key);
    assert(
      keys.length > 0 && keys.every((k) => k.length > 2),
      `only records under the prefix: ${JSON.stringify(keys)}`,
    );
    const reloaded = await openKvCaseStore(kv, "wf/k");
    assert(reloaded.pendingMetricCount() === 2, `the records read back: ${reloaded.pendingMetricCount()}`);
  } finally {
    kv.close();
  }
});

Deno.test("a case stored with its version at the legacy key is read, and its next commit moves the version", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    // A case as an earlier Crossflow stored it: its records, its version at ["case-version", id].
    const written = await openKvCaseStore(kv, "wf/k");
    await written.atomically(() => written.queueMetric(metric("a")));
    const stored = await kv.get<number>(["case", "wf/k"]);
    await kv.atomic().delete(["case", "wf/k"]).set(["case-version", "wf/k"], stored.value).commit();

    const legacy = await openKvCaseStore(kv, "wf/k");
    const stale = await openKvCaseStore(kv, "wf/k");
    assert(legacy.pendingMetricCount() === 1, "the legacy case's records are read");
    await legacy.atomically(() => legacy.queueMetric(metric("b")));
    assert((await kv.get(["case-version", "wf/k"])).versionstamp === null, "the legacy version key is gone");
    const moved = await kv.get<number>(["case", "wf/k"]);
    assert(moved.value === 2, `the version moved to the prefix and counted on: ${moved.value}`);
    assert(
      legacy
        .pendingMetrics(10)
        .map((e) => `${e.id}:${e.seq}`)
        .join() === "a:1,b:2",
      "numbering goes on from the legacy case's",
    );

    // A second reader that still holds the legacy version must fail its commit, not write over the moved case.
    let refused: unknown;
    try {
      await stale.atomically(() => stale.queueMetric(metric("c")));
    } catch (error) {
      refused = error;
    }
    assert(refused instanceof CaseConflictError, `the stale writer is refused: ${refused}`);
    const after = await openKvCaseStore(kv, "wf/k");
    assert(pendingIds(after) === "a,b", "nothing of the stale writer landed");
    await after.atomically(() => after.queueMetric(metric("c")));
    assert((await kv.get<number>(["case", "wf/k"])).value === 3, "and the case goes on at its new key");
  } finally {
    kv.close();
  }
});

/** `kv` with its reads counted by kind: what loading a case costs in KV round trips. */
function countingReads(kv: Deno.Kv): { kv: Deno.Kv; reads: Record<string, number> } {
  const reads: Record<string, number> = {};
  const counted = new Proxy(kv, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (name === "get" || name === "getMany" || name === "list") reads[name] = (reads[name] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  });
  return { kv: counted, reads };
}

Deno.test("a case is read in one KV read, its version with its records, and only its own", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const fresh = countingReads(kv);
    const created = await openKvCaseStore(fresh.kv, "wf/k");
    assert(JSON.stringify(fresh.reads) === '{"list":1}', `a new case: one read, ${JSON.stringify(fresh.reads)}`);
    await created.atomically(() => created.queueMetric(metric("a")));
    // A case whose id extends this one's sits right after it in key order: never read as part of it.
    const neighbour = await openKvCaseStore(kv, "wf/k2");
    await neighbour.atomically(() => neighbour.queueMetric(metric("z")));

    const again = countingReads(kv);
    const stored = await openKvCaseStore(again.kv, "wf/k");
    assert(JSON.stringify(again.reads) === '{"list":1}', `a stored case: one read, ${JSON.stringify(again.reads)}`);
    assert(pendingIds(stored) === "a", "its own records only");
    await stored.atomically(() => stored.queueMetric(metric("b")));
    assert((await kv.get<number>(["case", "wf/k"])).value === 2, "its commit checked the version it read");
  } finally {
    kv.close();
  }
});
