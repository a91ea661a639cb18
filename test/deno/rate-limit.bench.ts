/**
 * The Deno ingest rate limit under a burst: 20,000 checks from 50 concurrent callers through two limiters on two
 * connections to one local KV file (two processes or isolates sharing it), with a limit high enough that all pass.
 * Prints checks per second and per-check latency. Run: `./node_modules/deno/deno run --unstable-kv -A test/deno/rate-limit.bench.ts`
 */
import { kvRateLimiter } from "../../workers/platform/deno/rate-limit.ts";

const TOTAL = 20_000;
const CONNECTIONS = 50;

const dir = await Deno.makeTempDir();
const kvA = await Deno.openKv(`${dir}/kv.sqlite3`);
const kvB = await Deno.openKv(`${dir}/kv.sqlite3`);
try {
  const limiters = [kvRateLimiter(kvA, 50_000, 60_000), kvRateLimiter(kvB, 50_000, 60_000)];
  let started = 0;
  let allowed = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      while (started < TOTAL) {
        started++;
        const t = performance.now();
        if (await limiters[c % 2]!("stripe")) allowed++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((x, y) => x - y);
  const at = (q: number) => Number(latencies[Math.floor(latencies.length * q)]!.toFixed(2));
  console.log(
    JSON.stringify({
      checks: TOTAL,
      connections: CONNECTIONS,
      allowed,
      checksPerSecond: Math.round(TOTAL / seconds),
      p50ms: at(0.5),
      p99ms: at(0.99),
    }),
  );
} finally {
  kvA.close();
  kvB.close();
  await Deno.remove(dir, { recursive: true });
}
