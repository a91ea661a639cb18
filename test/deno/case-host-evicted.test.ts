/**
 * Events into cases the Deno case host evicted from memory (workers/platform/deno/case-host.ts): stored from what the
 * evicted case kept, with no read of the case from KV, exactly once, chained to its audit trail; the case is read
 * whole when it runs. `deno task test`.
 */
import { caseId, type EventEnvelope } from "../../workers/engine/index.ts";
import { DenoCaseHost } from "../../workers/platform/deno/case-host.ts";
import { CONTRACT_WORKFLOWS } from "../contract/case-store.contract.ts";
import { countingCaseReads } from "./counting-kv.ts";

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const waits = CONTRACT_WORKFLOWS.find((w) => w.id === "contract-wait")!;

Deno.test("an event into an evicted case is stored without reading it back, once, and the case runs on it", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let clock = Date.UTC(2026, 11, 1);
    const { kv: counted, reads } = countingCaseReads(kv);
    const options = { workflows: [waits], now: () => clock, metrics: () => null, listen: false, cacheLimit: 1 };
    const host = new DenoCaseHost(counted, options);
    const envelope = (caseKey: string, id: string, type: string, opens = false): EventEnvelope => ({
      source: "stripe",
      id,
      type,
      receivedAt: clock,
      caseKey,
      workflow: { id: waits.id, version: waits.version },
      opens,
      payloadJson: JSON.stringify({ id, type }),
    });
    const a = caseId(waits.id, "evicted-a");
    const b = caseId(waits.id, "evicted-b");
    await host.ingest(a, envelope("evicted-a", "evt-a1", "case.opened", true));
    await host.runAlarm(a);
    assert((await host.view(a))?.header.status === "waiting", "case a parks on its wait");
    await host.ingest(b, envelope("evicted-b", "evt-b1", "case.opened", true));
    assert(host.cached().loaded === 1 && host.cached().skeletons === 1, `a evicted: ${JSON.stringify(host.cached())}`);

    const timer = await host.alarmOf(a);
    const before = reads();
    const unrelated = envelope("evicted-a", "evt-a2", "invoice.updated");
    assert((await host.ingest(a, unrelated)).status === "accepted", "an event into the evicted case is accepted");
    assert((await host.ingest(a, { ...unrelated })).status === "duplicate", "its redelivery is a duplicate");
    assert(reads() === before, `no read of the case: ${reads() - before} reads`);
    assert(host.cached().loaded === 1, "the evicted case was not loaded for it");
    assert((await host.alarmOf(a)) === timer, "an event that cannot end the wait leaves the timer as it was");

    clock += 60_000;
    assert((await host.ingest(a, envelope("evicted-a", "evt-a3", "invoice.paid"))).status === "accepted", "paid");
    assert(reads() === before, "still no read");
    assert((await host.alarmOf(a)) === clock, "an event that may end the wait wakes the case now");
    assert(await host.runAlarm(a), "the case ran");
    assert(reads() > before, "the case was read whole to run");
    const view = await host.view(a);
    assert(view?.header.status === "resolved" && view.header.outcome === "paid", `a resolved: ${view?.header.outcome}`);
    assert(
      view.events.map((e) => e.id).join() === "evt-a1,evt-a2,evt-a3",
      `every event once, in order: ${view.events.map((e) => e.id)}`,
    );
    const audit = await host.audit(a);
    assert(audit?.verification.valid === true, `the audit chain holds: ${JSON.stringify(audit?.verification)}`);
    assert(
      audit.entries.filter((e) => e.action === "event.received").length === 3,
      "each event audited once on receipt",
    );

    // Another process over the same KV reads the same case.
    const restarted = new DenoCaseHost(kv, { ...options, cacheLimit: undefined });
    const reread = await restarted.view(a);
    assert(reread?.events.length === 3 && reread.header.outcome === "paid", "stored as seen");
    assert((await restarted.audit(a))?.verification.valid === true, "the chain holds when read back");
  } finally {
    kv.close();
  }
});
