/**
 * The Deno ingest rate limit is one limit across isolates: two limiters on two connections to one KV file stand
 * for two isolates of a Deno Deploy project sharing its KV.
 */
import { kvRateLimiter, RATE_LIMIT_PREFIX } from "../../workers/platform/deno/rate-limit.ts";
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
    expectEqual(stored.value, 41, "every call is counted, refused ones too (as the Cloudflare binding does)");

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
