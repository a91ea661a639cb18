/**
 * A value read from the metrics database and kept per instance for a few seconds: what the ingest path (rollout
 * shares) and agent steps (autonomy levels) read on every request without a database round trip each time.
 *
 * No request ever waits on a read another request started: in workerd a promise settled by another request's I/O may
 * never settle for this one (the runtime then cancels the request as hung). So a request either uses the value held,
 * or (when none is held, or it is stale and nobody is refreshing it) reads for itself; while one request refreshes a
 * stale value, the others go on with the stale one.
 */
import { log } from "../observability/index.ts";

export interface CachedReadOptions<T> {
  refreshMs: number;
  /** What a read that fails answers when nothing was ever read (the caller's safe default). */
  neverRead: T;
  /** Names the value in the log line a failed read writes. */
  what: string;
  now?: () => number;
}

const RETRY_MS = 1_000;

interface Held<T> {
  value: T;
  at: number;
}

/**
 * @example const shares = cachedRead(() => readPolicies(db), { refreshMs: 5_000, neverRead: [], what: "rollout policies" });
 * await shares(); // the policies, at most 5 s old
 */
export function cachedRead<T>(read: () => Promise<T>, options: CachedReadOptions<T>): () => Promise<T> {
  const now = options.now ?? Date.now;
  let held: Held<T> | null = null;
  /** When a request began refreshing a stale value; others use the stale one meanwhile (for up to a refresh period). */
  let refreshingSince: number | null = null;
  /** When a read last failed with nothing held: for a second the safe default is answered without trying again. */
  let failedAt: number | null = null;
  return async () => {
    const at = now();
    if (held && at - held.at < options.refreshMs) return held.value;
    if (!held && failedAt !== null && at - failedAt < RETRY_MS) return options.neverRead;
    if (held && refreshingSince !== null && at - refreshingSince < options.refreshMs) return held.value;
    if (held) refreshingSince = at;
    try {
      const value = await read();
      held = { value, at: now() };
      return value;
    } catch (error) {
      log.error(`${options.what} could not be read; the last ones read stay in force`, {
        error,
        known: held !== null,
      });
      // Try again after a short pause, not on every request.
      if (!held) {
        failedAt = now();
        return options.neverRead;
      }
      held = { value: held.value, at: now() - options.refreshMs + RETRY_MS };
      return held.value;
    } finally {
      refreshingSince = null;
    }
  };
}
