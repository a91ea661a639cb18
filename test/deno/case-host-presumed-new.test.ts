/**
 * Opening events for cases the Deno case host has no memory of (workers/platform/deno/case-host.ts,
 * new-case-guess.ts): while nearly every such case was new, one is stored with no read of the case first, its commit
 * checking the case absent; a case that was there after all (stored by another process, or under the version key
 * used before 2026-12-03) is not written over: its commit fails, nothing of it lands, and the event goes into the
 * stored case exactly once, as if it had been read first. `deno task test`.
 */
import { caseId, type EventEnvelope } from "../../workers/engine/index.ts";
import { DenoCaseHost } from "../../workers/platform/deno/case-host.ts";
import { NewCaseGuess } from "../../workers/platform/deno/new-case-guess.ts";
import { CONTRACT_WORKFLOWS } from "../contract/case-store.contract.ts";
import { countingCaseReads } from "./counting-kv.ts";

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const waits = CONTRACT_WORKFLOWS.find((w) => w.id === "contract-wait")!;
/** The guess's default window: the cases read before any is taken as new. */
const WINDOW = 32;

const opening = (caseKey: string, id = `evt-${caseKey}`): EventEnvelope => ({
  source: "stripe",
  id,
  type: "case.opened",
  receivedAt: Date.now(),
  caseKey,
  workflow: { id: waits.id, version: waits.version },
  opens: true,
  payloadJson: JSON.stringify({ id }),
});

const host = (kv: Deno.Kv) => new DenoCaseHost(kv, { workflows: [waits], metrics: () => null, listen: false });

/** A host that has opened a window of new cases (each read first, all found new): it now takes the next as new. */
async function guessingHost(kv: Deno.Kv): Promise<DenoCaseHost> {
  const h = host(kv);
  for (let i = 0; i < WINDOW; i++) {
    const key = `warm-${i}`;
    assert((await h.ingest(caseId(waits.id, key), opening(key))).status === "accepted", `${key} opened`);
  }
  return h;
}

/** The case as a process with no memory of it reads it: its events received and when it opened. */
async function stored(kv: Deno.Kv, id: string): Promise<{ received: string[]; openedAt: number | undefined }> {
  const audit = await host(kv).audit(id);
  return {
    received: (audit?.entries ?? [])
      .filter((e) => e.action === "event.received")
      .map((e) => String((e.detail as { eventId?: string }).eventId)),
    openedAt: (await host(kv).head(id))?.openedAt,
  };
}

Deno.test("after a window of new cases, an opening event is stored with no read of its case", async () => {
  const raw = await Deno.openKv(":memory:");
  const { kv, reads } = countingCaseReads(raw);
  try {
    const h = await guessingHost(kv);
    assert(reads() === WINDOW, `each of the first ${WINDOW} cases read: ${reads()}`);
    for (let i = 0; i < 10; i++) {
      const key = `new-${i}`;
      assert((await h.ingest(caseId(waits.id, key), opening(key))).status === "accepted", `${key} opened`);
    }
    assert(reads() === WINDOW, `no read for the next ten: ${reads() - WINDOW}`);
    const id = caseId(waits.id, "new-9");
    assert((await h.ingest(id, opening("new-9"))).status === "duplicate", "a redelivery is a duplicate");
    const seen = await stored(raw, id);
    assert(seen.received.join() === "evt-new-9", `stored once: ${seen.received}`);
    assert((await raw.get<number>(["case", id])).value === 1, "the case's version is at its prefix");
  } finally {
    raw.close();
  }
});

Deno.test("a case another process stored is not taken for new: the event goes into it once, its group's others land", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const h = await guessingHost(kv);
    const other = host(kv);
    const there = caseId(waits.id, "there");
    const redelivered = caseId(waits.id, "redelivered");
    assert((await other.ingest(there, opening("there", "evt-there-1"))).status === "accepted", "the other opened it");
    assert((await other.ingest(redelivered, opening("redelivered"))).status === "accepted", "and this one");
    const before = await stored(kv, there);
    const splits = h.group.stats.splits;

    // Concurrently, so they share commit groups: ten new cases, a second event for the stored case, and a
    // redelivery of the other stored case's opening.
    const results = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => h.ingest(caseId(waits.id, `beside-${i}`), opening(`beside-${i}`))),
      h.ingest(there, opening("there", "evt-there-2")),
      h.ingest(redelivered, opening("redelivered")),
    ]);
    assert(
      results.map((r) => r.status).join() === `${"accepted,".repeat(11)}duplicate`,
      `accepted, and the redelivery a duplicate: ${results.map((r) => r.status)}`,
    );
    assert(h.group.stats.splits > splits, "the stored cases' commits failed (their groups split)");
    const after = await stored(kv, there);
    assert(
      after.received.join() === "evt-there-1,evt-there-2",
      `the event went into the stored case: ${after.received}`,
    );
    assert(after.openedAt === before.openedAt, "the stored case was not opened anew");
    assert((await stored(kv, redelivered)).received.length === 1, "the redelivery stored nothing");
    for (let i = 0; i < 10; i++)
      assert((await stored(kv, caseId(waits.id, `beside-${i}`))).received.length === 1, `beside-${i} landed once`);
  } finally {
    kv.close();
  }
});

Deno.test("a case stored under the version key used before 2026-12-03 is not taken for new", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const h = await guessingHost(kv);
    const id = caseId(waits.id, "legacy");
    assert((await host(kv).ingest(id, opening("legacy", "evt-legacy-1"))).status === "accepted", "opened");
    // As an earlier Crossflow stored it: its records, its version at ["case-version", id].
    const version = await kv.get<number>(["case", id]);
    await kv.atomic().delete(["case", id]).set(["case-version", id], version.value).commit();

    assert((await h.ingest(id, opening("legacy", "evt-legacy-2"))).status === "accepted", "the event is accepted");
    const seen = await stored(kv, id);
    assert(seen.received.join() === "evt-legacy-1,evt-legacy-2", `into the stored case: ${seen.received}`);
    assert((await kv.get(["case-version", id])).versionstamp === null, "its version moved as a read case's does");
  } finally {
    kv.close();
  }
});

Deno.test("the guess holds only while nearly every case unknown here was new", () => {
  const guess = new NewCaseGuess(4, 1);
  assert(!guess.presumeNew(), "not before a window of cases was seen");
  for (let i = 0; i < 4; i++) guess.note(false);
  assert(guess.presumeNew(), "a window of new cases");
  guess.note(true);
  assert(guess.presumeNew(), "one stored case among them is tolerated");
  guess.note(true);
  assert(!guess.presumeNew(), "two are not: after a restart among open cases, each is read");
  for (let i = 0; i < 2; i++) guess.note(false);
  assert(!guess.presumeNew(), "both still in the window");
  guess.note(false);
  assert(guess.presumeNew(), "one has left the window");
});
