/**
 * The Deno case host's own near timers (workers/platform/deno/case-host.ts, `ownTimers`): a timer this process stored
 * is run here from what it stored, with no read of the timer back from KV (a read waits behind the commits), and the
 * run reads its timer from memory; the KV queue's message of a timer this process ran and finished is done with no
 * read either (its token names the write), while any other message is checked against KV. A timer another process
 * moved after ours was stored is left to it. `deno task test`.
 */
import { caseId, defineWorkflow, type EventEnvelope } from "../../workers/engine/index.ts";
import { DenoCaseHost } from "../../workers/platform/deno/case-host.ts";

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Resolves at its first run (the opening's timer, due at once). */
const quick = defineWorkflow({ id: "own-timer-quick", version: 1, minutesPerCase: 1, triggers: [] }, async ({ step }) =>
  step.resolve("done", {}),
);
/** Opens, naps two seconds (a near timer, run in process), and resolves. */
const napper = defineWorkflow(
  { id: "own-timer-nap", version: 1, minutesPerCase: 1, triggers: [] },
  async ({ step }) => {
    await step.sleep("nap", "2s");
    return step.resolve("rested", {});
  },
);

const opening = (workflow: { id: string; version: number }, caseKey: string): EventEnvelope => ({
  source: "test",
  id: `evt-${caseKey}`,
  type: "case.opened",
  receivedAt: Date.now(),
  caseKey,
  workflow: { id: workflow.id, version: workflow.version },
  opens: true,
  payloadJson: "{}",
});

/** The KV with its reads of timer records and its handled queue messages counted (every other call passed through). */
function countingTimerReads(kv: Deno.Kv): { kv: Deno.Kv; reads: () => number; handled: () => number } {
  let reads = 0;
  let handled = 0;
  const counted = new Proxy(kv, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (name === "get")
        return (key: Deno.KvKey, options?: { consistency?: Deno.KvConsistencyLevel }) => {
          if (key[0] === "case-alarm") reads++;
          return target.get(key, options);
        };
      if (name === "listenQueue")
        return (handler: (message: unknown) => Promise<void>) =>
          target.listenQueue(async (message) => {
            await handler(message);
            handled++;
          });
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: counted, reads: () => reads, handled: () => handled };
}

async function until(what: string, done: () => Promise<boolean>, ms = 10_000): Promise<void> {
  for (const began = Date.now(); !(await done()); await new Promise((r) => setTimeout(r, 50)))
    if (Date.now() - began > ms) throw new Error(`timed out waiting until ${what}`);
}

Deno.test("a near timer this process stored runs here without reading it back, nor does its queue message", async () => {
  const raw = await Deno.openKv(":memory:");
  const { kv, reads, handled } = countingTimerReads(raw);
  try {
    const host = new DenoCaseHost(kv, { workflows: [quick], metrics: () => ({ deliver: async () => {} }) });
    const id = caseId(quick.id, "own-1");
    assert((await host.ingest(id, opening(quick, "own-1"))).status === "accepted", "the case opened");
    await until("the case resolved", async () => (await host.view(id))?.header.status === "resolved");
    await until("no timer is left", async () => (await raw.get(["case-alarm", id])).versionstamp === null);
    assert(host.group.stats.splits === 0, `no commit group failed: ${host.group.stats.splits} splits`);
    // The opening's timer ran here (queued behind the ingest, before its queue message can arrive) from what was
    // stored, its clear checked against that, and its queue message, naming the write this process ran and finished,
    // needed no read: none at all. Reading it back before the run and again during it made two, the message a third.
    await until("the queue message was handled", async () => handled() >= 1);
    assert(reads() === 0, `timer reads: ${reads()}`);
    // A message this process cannot vouch for (another process's timer, or one stored before tokens) is checked
    // against KV.
    const message = { kind: "case-alarm", caseId: id, at: Date.now() };
    await raw.enqueue({ ...message, token: "another-process-1" });
    await raw.enqueue(message);
    await until("both messages were handled", async () => handled() >= 3);
    assert(reads() === 2, `timer reads: ${reads()}`);
  } finally {
    raw.close();
  }
});

Deno.test("a near timer another process moved after ours was stored is left to it when ours runs", async () => {
  const raw = await Deno.openKv(":memory:");
  try {
    const host = new DenoCaseHost(raw, { workflows: [napper], metrics: () => ({ deliver: async () => {} }) });
    const id = caseId(napper.id, "own-2");
    assert((await host.ingest(id, opening(napper, "own-2"))).status === "accepted", "the case opened");
    await until("the case naps", async () => (await host.view(id))?.header.status === "waiting");
    const nap = await raw.get<number>(["case-alarm", id]);
    assert(nap.value !== null, "the nap's timer is stored");
    // Another process moves the timer a minute on. At the nap's end two calls come: our run of the timer we stored,
    // and its queue message. If the run comes first it runs the case (a run more is harmless) and its clear, checked
    // against what we stored, fails; if the message comes first, KV says the timer is not due and neither runs.
    // Either way the other process's timer stands.
    const later = nap.value + 60_000;
    assert((await raw.atomic().check(nap).set(["case-alarm", id], later).commit()).ok, "the timer was moved");
    await new Promise((r) => setTimeout(r, Math.max(0, nap.value - Date.now()) + 1_500));
    const left = await raw.get<number>(["case-alarm", id]);
    assert(left.value === later, `the other process's timer is left: ${left.value}`);
    const status = (await host.view(id))?.header.status;
    assert(status === "resolved" || status === "waiting", `the case resolved or still naps: ${status}`);
  } finally {
    raw.close();
  }
});
