/**
 * The Deno ingest rate limit is one limit across isolates: two limiters on two connections to one KV file stand
 * for two isolates of a Deno Deploy project sharing its KV.
 */
import { kvRateLimiter, leaseOf, RATE_LIMIT_PREFIX } from "../../workers/platform/deno/rate-limit.ts";
import { expectEqual } from "../contract/expect.ts";

async function twoIsolates(run: (kvs: [Deno.Kv, Deno.Kv]) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv.sqlite3`;
  const kvs: [Deno.Kv, Deno.Kv] = [await Deno.openKv(path), await Deno.openKv(path)];
  try {
    await run(kvs);
  } finally {
    for (const kv of kvs) kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const allowedOf = (answers: boolean[]) => answers.filter(Boolean).length;

Deno.test("rate limit on Deno KV: two isolates share one limit per source and window, even when their calls race", async () => {
  await twoIsolates(async ([kvA, kvB]) => {
    let clock = 1_000_000;
    const a = kvRateLimiter(kvA, 5, 60_000, () => clock);
    const b = kvRateLimiter(kvB, 5, 60_000, () => clock);

    // 40 concurrent calls, half through each isolate: exactly the limit passes, whatever the interleaving.
    const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b)("stripe")));
    expectEqual(allowedOf(burst), 5, "calls allowed across both isolates in one window");
    expectEqual(await a("stripe"), false, "a later call in the same window, through isolate A");
    expectEqual(await b("github"), true, "another source has its own limit");

    const stored = await kvA.get<number>([RATE_LIMIT_PREFIX, "stripe", Math.floor(clock / 60_000)]);
    expectEqual(stored.value, 5, "the window's quota is handed out to the limit and no further");

    clock += 60_000;
    const next = await Promise.all([a("stripe"), b("stripe"), a("stripe"), b("stripe"), a("stripe"), b("stripe")]);
    expectEqual(allowedOf(next), 5, "the next window starts afresh");
  });
});

Deno.test("rate limit on Deno KV: a call from isolate B sees the count isolate A left", async () => {
  await twoIsolates(async ([kvA, kvB]) => {
    const a = kvRateLimiter(kvA, 3, 10_000, () => 50_000);
    const b = kvRateLimiter(kvB, 3, 10_000, () => 50_000);
    expectEqual(
      [await a("hubspot"), await a("hubspot"), await a("hubspot")],
      [true, true, true],
      "isolate A takes the limit",
    );
    expectEqual(await b("hubspot"), false, "isolate B is refused: the limit is global, not per isolate");
  });
});

Deno.test("rate limit on Deno KV: leased quota keeps the limit exact across isolates, and a spent window refuses without KV", async () => {
  await twoIsolates(async ([kvA, kvB]) => {
    const clock = 7_000_000;
    const limit = 640;
    expectEqual(leaseOf(limit), 10, "a lease is a 64th of the limit");
    const a = kvRateLimiter(kvA, limit, 60_000, () => clock);
    const b = kvRateLimiter(kvB, limit, 60_000, () => clock);
    const writes = { count: 0 };
    const atomic = kvA.atomic.bind(kvA);
    kvA.atomic = () => {
      writes.count++;
      return atomic();
    };

    // Waves of concurrent calls through both isolates, far past the limit.
    const answers: boolean[] = [];
    for (let wave = 0; wave < 20; wave++)
      answers.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b)("stripe")))));
    expectEqual(allowedOf(answers), limit, "exactly the limit passes across both isolates");
    const key = [RATE_LIMIT_PREFIX, "stripe", Math.floor(clock / 60_000)];
    expectEqual((await kvA.get<number>(key)).value, limit, "the quota handed out is the limit");
    const aWrites = writes.count;
    expectEqual(aWrites < 500 / 5, true, `isolate A leased its quota in ${aWrites} writes for its 500 calls`);

    const before = (await kvA.get<number>(key)).versionstamp;
    const refused = await Promise.all(Array.from({ length: 100 }, () => a("stripe")));
    expectEqual(allowedOf(refused), 0, "the spent window refuses");
    expectEqual(writes.count, aWrites, "refusals in a spent window write nothing");
    expectEqual((await kvA.get<number>(key)).versionstamp, before, "nor does anything else change the window");
  });
});

Deno.test("rate limit on Deno KV: calls within a lease are answered from memory, the next lease taken ahead", async () => {
  await twoIsolates(async ([kvA]) => {
    let clock = 9_000_000;
    const limit = 64_000;
    const a = kvRateLimiter(kvA, limit, 60_000, () => clock);
    const key = (at: number) => [RATE_LIMIT_PREFIX, "github", Math.floor(at / 60_000)];
    expectEqual(await a("github"), true, "the first call waits for a lease");
    expectEqual((await kvA.get<number>(key(clock))).value, leaseOf(limit), "one lease taken");
    // Past half of the lease: the next is taken while calls go on being answered.
    for (let i = 0; i < leaseOf(limit) / 2 + 1; i++) expectEqual(await a("github"), true, `call ${i + 2}`);
    await new Promise((r) => setTimeout(r, 50));
    expectEqual((await kvA.get<number>(key(clock))).value, 2 * leaseOf(limit), "the next lease was taken ahead");
    clock += 60_000;
    expectEqual(await a("github"), true, "a new window leases afresh");
    expectEqual((await kvA.get<number>(key(clock))).value, leaseOf(limit), "counted in the new window");
  });
});
