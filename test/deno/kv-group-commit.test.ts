/** Group commit on Deno KV (workers/platform/deno/kv-group-commit.ts): `deno task test`. */
import { KvGroupCommit, KvWriteBuilder } from "../../workers/platform/deno/kv-group-commit.ts";

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function withKv(fn: (kv: Deno.Kv) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

/** A write like a case's transaction: its version key checked and moved, one record set. */
async function caseWrite(kv: Deno.Kv, id: string) {
  const version = await kv.get<number>(["v", id]);
  return new KvWriteBuilder()
    .check(version)
    .set(["v", id], (version.value ?? 0) + 1)
    .set(["r", id], `record of ${id}`).write;
}

Deno.test("concurrent writes share commits, and each is answered once stored", () =>
  withKv(async (kv) => {
    const group = new KvGroupCommit(kv);
    const writes = await Promise.all(Array.from({ length: 60 }, (_, i) => caseWrite(kv, `c${i}`)));
    const results = await Promise.all(writes.map((w) => group.commit(w)));
    assert(
      results.every((r) => r.ok),
      "every write committed",
    );
    assert(group.stats.groups < 60, `60 writes in ${group.stats.groups} commits`);
    const stored = await Promise.all(Array.from({ length: 60 }, (_, i) => kv.get<string>(["r", `c${i}`])));
    assert(
      stored.every((e, i) => e.value === `record of c${i}`),
      "every record stored",
    );
  }));

Deno.test("a failed check fails only its own write; the rest of its group is stored", () =>
  withKv(async (kv) => {
    const group = new KvGroupCommit(kv);
    const writes = await Promise.all(Array.from({ length: 10 }, (_, i) => caseWrite(kv, `c${i}`)));
    // Another process moves c3 after it was read: c3's check must fail, the others must not.
    await kv.set(["v", "c3"], 41);
    const results = await Promise.all(writes.map((w) => group.commit(w)));
    assert(
      results.map((r) => r.ok).join() === writes.map((_, i) => i !== 3).join(),
      `only c3 refused: ${results.map((r) => r.ok)}`,
    );
    assert((await kv.get(["r", "c3"])).value === null, "the refused write left nothing");
    assert((await kv.get(["r", "c4"])).value === "record of c4", "its neighbour is stored");
    // Split in halves down to c3: about 2 log2(10) commits, not one per member.
    assert(group.stats.splits > 0, "the failed group was split");
    assert(group.stats.groups <= 1 + 2 * Math.ceil(Math.log2(10)), `${group.stats.groups} commits for 10 writes`);
  }));

Deno.test("two writes checking the same key never share a commit: the second sees the first", () =>
  withKv(async (kv) => {
    const group = new KvGroupCommit(kv);
    const a = await caseWrite(kv, "same");
    const b = await caseWrite(kv, "same");
    const [ra, rb] = await Promise.all([group.commit(a), group.commit(b)]);
    assert(ra.ok && !rb.ok, "the second write on the same read is refused, not lost over the first");
    assert((await kv.get(["v", "same"])).value === 1, "one increment");
  }));

Deno.test("groups stay within KV's limits on checks, mutations and size", () =>
  withKv(async (kv) => {
    const group = new KvGroupCommit(kv);
    // Two-byte characters: 32 KiB stored per write, 1.25 MiB for the 40 of them.
    const big = "✓".repeat(16 * 1024);
    const writes = await Promise.all(Array.from({ length: 250 }, (_, i) => caseWrite(kv, `c${i}`)));
    // 250 checks (over 100 a commit), and 40 writes of 32 KiB each (over 800 KiB a commit).
    const large = Array.from({ length: 40 }, (_, i) => new KvWriteBuilder().set(["big", i], big).write);
    const results = await Promise.all([...writes, ...large].map((w) => group.commit(w)));
    assert(
      results.every((r) => r.ok),
      "every write committed",
    );
    assert(group.stats.splits === 0, "no group was refused by KV");
    assert(group.stats.groups >= 4, `split into ${group.stats.groups} commits`);
  }));

Deno.test("a write KV refuses on its own reaches its caller; the others are stored", () =>
  withKv(async (kv) => {
    const group = new KvGroupCommit(kv);
    const tooMany = new KvWriteBuilder();
    for (let i = 0; i < 1001; i++) tooMany.set(["many", i], i);
    const ok = await caseWrite(kv, "fine");
    const [refused, stored] = await Promise.allSettled([group.commit(tooMany.write), group.commit(ok)]);
    assert(refused.status === "rejected", "1001 mutations are refused");
    assert(stored.status === "fulfilled" && stored.value.ok, "the other write is stored");
  }));
