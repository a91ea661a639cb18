/**
 * The Deno case host's timers (workers/platform/deno/case-host.ts): an alarm run that sets its case's timer again
 * keeps the new one and does not try to clear the record it ran from (that clear's check would fail and split the
 * commit group it shares with other cases); a run that leaves no timer clears it. `deno task test`.
 */
import { caseId, type EventEnvelope } from "../../workers/engine/index.ts";
import { DenoCaseHost } from "../../workers/platform/deno/case-host.ts";
import { CONTRACT_WORKFLOWS } from "../contract/case-store.contract.ts";

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const waits = CONTRACT_WORKFLOWS.find((w) => w.id === "contract-wait")!;

/** The event that opens a case of the waiting workflow under `caseKey`. */
const opening = (caseKey: string, receivedAt: number): EventEnvelope => ({
  source: "contract",
  id: `evt-${caseKey}`,
  type: "case.opened",
  receivedAt,
  caseKey,
  workflow: { id: waits.id, version: waits.version },
  opens: true,
  payloadJson: "{}",
});

Deno.test("an alarm run that sets the timer again keeps it; one that leaves none clears it; no group fails", async () => {
  assert(waits, "the contract's waiting workflow");
  const kv = await Deno.openKv(":memory:");
  try {
    let clock = Date.UTC(2026, 11, 1);
    // Metric batches are taken at once, so no delivery retry keeps a timer of its own.
    const delivered: unknown[] = [];
    const metrics = { deliver: async (batch: unknown) => void delivered.push(batch) };
    const host = new DenoCaseHost(kv, { workflows: [waits], now: () => clock, metrics: () => metrics, listen: false });
    const id = caseId(waits.id, "alarm-1");
    const other = caseId(waits.id, "alarm-2");
    assert((await host.ingest(id, opening("alarm-1", clock))).status === "accepted", "the case opened");
    assert((await host.ingest(other, opening("alarm-2", clock))).status === "accepted", "the other case opened");
    assert((await host.alarmOf(id)) === clock, "the opening set the timer for now");
    // Both alarms at once: what each does after its run shares one commit group.
    assert((await Promise.all([host.runAlarm(id), host.runAlarm(other)])).every(Boolean), "the alarms ran");
    const view = await host.view(id);
    assert(view?.header.status === "waiting", `parked: ${view?.header.status}`);
    const deadline = view.wait?.deadline;
    assert(deadline === clock + 3_600_000, `the wait's deadline: ${deadline}`);
    const timer = await host.alarmOf(id);
    assert(timer === deadline, `the timer the run set is kept, not cleared after it: ${timer}`);
    assert(host.group.stats.splits === 0, `no commit group failed: ${host.group.stats.splits} splits`);
    clock = deadline;
    assert(await host.runAlarm(id), "the deadline's alarm ran");
    assert((await host.view(id))?.header.status === "resolved", "the case ended at its deadline");
    assert((await host.alarmOf(id)) === null, "no timer is left");
    assert((await kv.get(["case-alarm", id])).value === null, "the timer record is cleared");
    assert(host.group.stats.splits === 0, `still no commit group failed: ${host.group.stats.splits} splits`);
    assert(delivered.length > 0, "the case's metrics were delivered");
  } finally {
    kv.close();
  }
});

Deno.test("an event and the wake-up it needs are one KV commit: the case's records, its timer and its delivery", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const clock = Date.UTC(2026, 11, 1);
    const host = new DenoCaseHost(kv, { workflows: [waits], now: () => clock, metrics: () => null, listen: false });
    const id = caseId(waits.id, "one-commit");
    const before = { ...host.group.stats };
    const opened = await host.ingest(id, opening("one-commit", clock));
    assert(opened.status === "accepted", `the case opened: ${opened.status}`);
    assert(host.group.stats.writes - before.writes === 1, `one write: ${host.group.stats.writes - before.writes}`);
    assert(host.group.stats.groups - before.groups === 1, `one commit: ${host.group.stats.groups - before.groups}`);
    // Both landed, in that one commit: the timer record is as new as the case's version.
    const [version, timer] = await kv.getMany<[number, number]>([
      ["case", id],
      ["case-alarm", id],
    ]);
    assert(timer.value === clock, `the timer is set for now: ${timer.value}`);
    assert(timer.versionstamp === version.versionstamp, "the timer and the case share the commit's versionstamp");
    assert((await host.alarmOf(id)) === clock, "the case reads its timer");
    // Its delivery was enqueued with it: the KV queue hands the message to a listener.
    const delivered = new Promise<unknown>((resolve) => void kv.listenQueue(resolve));
    const message = (await delivered) as { kind: string; caseId: string; at: number };
    assert(message.kind === "case-alarm" && message.caseId === id && message.at === clock, "its delivery is queued");
    // A duplicate of the event writes nothing, not even a timer.
    const again = await host.ingest(id, opening("one-commit", clock));
    assert(again.status === "duplicate", `a duplicate: ${again.status}`);
    assert(host.group.stats.writes - before.writes === 1, "the duplicate wrote nothing");
  } finally {
    kv.close();
  }
});
