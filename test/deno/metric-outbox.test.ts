/**
 * The metric outbox numbering on Deno KV (`npm run test:deno`): numbers given in the transaction that queues an
 * event survive a reload from KV, sent events keep their id (queued again, it adds nothing), and the numbering goes
 * on from the highest stored, with no gap and no repeat.
 */
import type { MetricEvent } from "../../workers/metrics/index.ts";
import { openKvCaseStore } from "../../workers/platform/deno/kv-case-store.ts";

const event = (id: string): MetricEvent => ({
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

function assertEquals(actual: unknown, expected: unknown) {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

Deno.test("metric outbox on Deno KV: numbers survive a reload, sent ids are not queued again", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = await openKvCaseStore(kv, "wf/k");
    await store.atomically(() => {
      store.queueMetric(event("a"));
      store.queueMetric(event("b"));
    });
    await store.atomically(() => store.markMetricsSent(["a"]));

    const reloaded = await openKvCaseStore(kv, "wf/k");
    await reloaded.atomically(() => {
      reloaded.queueMetric(event("a"));
      reloaded.queueMetric(event("c"));
    });
    assertEquals(
      reloaded.pendingMetrics(10).map((e) => [e.id, e.seq]),
      [
        ["b", 2],
        ["c", 3],
      ],
    );
    await reloaded.atomically(() => reloaded.markMetricsSent(["b", "c"]));

    const again = await openKvCaseStore(kv, "wf/k");
    await again.atomically(() => again.queueMetric(event("d")));
    assertEquals(
      again.pendingMetrics(10).map((e) => [e.id, e.seq]),
      [["d", 4]],
    );
    assertEquals(again.pendingMetricCount(), 1);
  } finally {
    kv.close();
  }
});
