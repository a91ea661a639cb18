/**
 * The ingest rate limit on Deno (the Cloudflare rate-limit binding's counterpart): a fixed window per key whose
 * count lives in Deno KV, so every isolate of a Deno Deploy project (and every process sharing one KV file)
 * counts against the same limit. A per-process counter would let each isolate take the whole limit.
 *
 * Each window is one KV entry, `[RATE_LIMIT_PREFIX, key, windowIndex]`: the quota handed out so far, written with a
 * versionstamp check so two isolates never lose each other's counts; it expires two windows later.
 *
 * An isolate takes its quota in leases, not call by call: one checked write takes up to `leaseOf(limit)` calls' worth
 * (a 64th of the limit; more when more calls wait), the calls it allows are then answered from memory, and the next
 * lease is taken while half of the current one is left. Asked per call, the limiter was a KV read and a commit in
 * front of every webhook, queued behind the case commits: 4.5–6 ms of the 12 ms an event into an existing case took
 * at 50 connections (timed around the ingest route's phases, 2026-12-03). The limit still holds exactly across
 * isolates (a lease never takes more than the window has left); what a lease leaves unused when its window ends was
 * counted all the same, so near the limit, with several isolates, a few calls may be refused below it (at most 1.5
 * leases per isolate, 2.3 % of the limit; a limit under 128 leases exactly the calls waiting, nothing ahead).
 * Once a window is used up, its refusals cost no KV round trip: a flood of refused calls does not load KV.
 */

/** The KV key space of the limiter's windows. */
export const RATE_LIMIT_PREFIX = "ratelimit";

/** Tries of one lease's write when other isolates keep committing first; past them the waiting calls fail. */
const MAX_TRIES = 25;

/** Calls' worth one lease takes (at least, when fewer calls wait): a 64th of the limit, so a lease is small beside it. */
export function leaseOf(limit: number): number {
  return Math.max(1, Math.floor(limit / 64));
}

interface Waiter {
  resolve: (allowed: boolean) => void;
  reject: (error: unknown) => void;
}

/** One key's state in this isolate, for one window. */
interface Window {
  index: number;
  /** Calls still allowed from the quota this isolate leased. */
  left: number;
  /** The window has nothing more to lease: calls past `left` are refused here. */
  spent: boolean;
  /** Calls waiting for the next lease, in arrival order. */
  waiting: Waiter[];
  leasing: boolean;
}

/**
 * @example
 * const allow = kvRateLimiter(await Deno.openKv(), 50_000, 60_000);
 * if (!(await allow("stripe"))) return new Response(null, { status: 429 });
 */
export function kvRateLimiter(kv: Deno.Kv, limit: number, windowMs: number, now: () => number = Date.now) {
  const windows = new Map<string, Window>();
  const lease = leaseOf(limit);
  /**
   * Below it the next lease is taken ahead. None for a limit under 128 (a lease of one call): there a call leased
   * ahead would be a large part of the limit, so such a limiter takes exactly the calls waiting, as asked.
   */
  const ahead = lease > 1 ? lease / 2 : 0;

  /** Takes up to `wanted` calls' worth from the window's quota in KV; resolves with what it got (0: spent). */
  async function take(key: string, index: number, wanted: number): Promise<number> {
    const entryKey: Deno.KvKey = [RATE_LIMIT_PREFIX, key, index];
    for (let tries = 1; ; tries++) {
      try {
        const current = await kv.get<number>(entryKey);
        const before = current.value ?? 0;
        const granted = Math.max(0, Math.min(wanted, limit - before));
        if (granted === 0) return 0;
        const write = await kv
          .atomic()
          .check(current)
          .set(entryKey, before + granted, { expireIn: windowMs * 2 })
          .commit();
        if (write.ok) return granted;
      } catch (error) {
        // Processes sharing one local KV file contend for SQLite's write lock ("database is locked"): a conflict
        // like any other, tried again. Anything else is a real failure.
        if (!(error instanceof Error && error.message.includes("database is locked")) || tries >= MAX_TRIES)
          throw error;
      }
      if (tries >= MAX_TRIES) throw new Error(`rate limit for ${key}: ${MAX_TRIES} conflicting writes in a row`);
      // Another isolate committed first: back off a little (jittered) so the next try does not collide again.
      await new Promise((r) => setTimeout(r, Math.random() * 5 * tries));
    }
  }

  /** Leases for the window until its waiting calls are answered and half a lease is in hand (or it is spent). */
  async function refill(key: string, w: Window): Promise<void> {
    w.leasing = true;
    try {
      // Calls waiting are always answered; the lease ahead is taken only while the window is still the current one.
      while (!w.spent && (w.waiting.length > 0 || (windows.get(key) === w && w.left < ahead))) {
        const wanted = Math.max(lease, w.waiting.length);
        let granted: number;
        try {
          granted = await take(key, w.index, wanted);
        } catch (error) {
          // KV unreachable or too contended: the waiting calls fail (the request answers 5xx) instead of passing
          // uncounted; a later call tries again.
          for (const waiter of w.waiting.splice(0)) waiter.reject(error);
          return;
        }
        if (granted < wanted) w.spent = true;
        w.left += granted;
        const served = w.waiting.splice(0, Math.min(w.left, w.waiting.length));
        w.left -= served.length;
        for (const waiter of served) waiter.resolve(true);
      }
      for (const waiter of w.waiting.splice(0)) waiter.resolve(false);
    } finally {
      w.leasing = false;
    }
  }

  return (key: string): Promise<boolean> => {
    const index = Math.floor(now() / windowMs);
    let w = windows.get(key);
    if (!w || w.index !== index) {
      // A new window: what an older one left is not carried over (it was counted there). Calls still waiting on
      // the older one's lease are answered by it.
      w = { index, left: 0, spent: false, waiting: [], leasing: false };
      windows.set(key, w);
    }
    const current = w;
    if (current.left > 0) {
      current.left--;
      if (!current.leasing && !current.spent && current.left < ahead) void refill(key, current);
      return Promise.resolve(true);
    }
    if (current.spent) return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      current.waiting.push({ resolve, reject });
      if (!current.leasing) void refill(key, current);
    });
  };
}
