/**
 * The ingest rate limit on Deno (the Cloudflare rate-limit binding's counterpart): a fixed window per key whose
 * count lives in Deno KV, so every isolate of a Deno Deploy project (and every process sharing one KV file)
 * counts against the same limit. A per-process counter would let each isolate take the whole limit.
 *
 * Each window is one KV entry, `[RATE_LIMIT_PREFIX, key, windowIndex]`, written with a versionstamp check so two
 * isolates never lose each other's counts; it expires two windows later, so old windows clean themselves up.
 * Calls that arrive in one isolate while a write is in flight are counted together in the next write: under a
 * burst an isolate makes one KV round trip per batch, not per request, and the check rarely conflicts.
 */

/** The KV key space of the limiter's windows. */
export const RATE_LIMIT_PREFIX = "ratelimit";

/** Tries of one batch's write when other isolates keep committing first; past them the batch fails. */
const MAX_TRIES = 25;

interface Waiter {
  resolve: (allowed: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * @example
 * const allow = kvRateLimiter(await Deno.openKv(), 50_000, 60_000);
 * if (!(await allow("stripe"))) return new Response(null, { status: 429 });
 */
export function kvRateLimiter(kv: Deno.Kv, limit: number, windowMs: number, now: () => number = Date.now) {
  const queued = new Map<string, Waiter[]>();
  const draining = new Set<string>();

  /** Counts one batch in its window; resolves each call with whether it fell within the limit, in arrival order. */
  async function countBatch(key: string, batch: Waiter[]): Promise<void> {
    const entryKey: Deno.KvKey = [RATE_LIMIT_PREFIX, key, Math.floor(now() / windowMs)];
    for (let tries = 1; ; tries++) {
      let committed: { before: number } | null = null;
      try {
        const current = await kv.get<number>(entryKey);
        const before = current.value ?? 0;
        const write = await kv
          .atomic()
          .check(current)
          .set(entryKey, before + batch.length, { expireIn: windowMs * 2 })
          .commit();
        if (write.ok) committed = { before };
      } catch (error) {
        // Processes sharing one local KV file contend for SQLite's write lock ("database is locked"): a conflict
        // like any other, tried again. Anything else is a real failure.
        if (!(error instanceof Error && error.message.includes("database is locked")) || tries >= MAX_TRIES)
          throw error;
      }
      if (committed) {
        const { before } = committed;
        batch.forEach((waiter, i) => {
          waiter.resolve(before + i + 1 <= limit);
        });
        return;
      }
      if (tries >= MAX_TRIES) throw new Error(`rate limit for ${key}: ${MAX_TRIES} conflicting writes in a row`);
      // Another isolate committed first: back off a little (jittered) so the next try does not collide again.
      await new Promise((r) => setTimeout(r, Math.random() * 5 * tries));
    }
  }

  async function drain(key: string): Promise<void> {
    draining.add(key);
    try {
      for (let batch = queued.get(key); batch && batch.length > 0; batch = queued.get(key)) {
        queued.delete(key);
        try {
          await countBatch(key, batch);
        } catch (error) {
          // KV unreachable or too contended: these calls fail (the request answers 5xx) instead of passing uncounted.
          for (const waiter of batch) waiter.reject(error);
        }
      }
    } finally {
      draining.delete(key);
    }
  }

  return (key: string): Promise<boolean> =>
    new Promise<boolean>((resolve, reject) => {
      const batch = queued.get(key) ?? [];
      batch.push({ resolve, reject });
      queued.set(key, batch);
      if (!draining.has(key)) void drain(key);
    });
}
