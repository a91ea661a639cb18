/**
 * The rollout policies in force, as the ingest path needs them: per workflow, the share of new cases each version
 * opens. Read from the metrics database at most once per few seconds per isolate (a change takes effect within
 * `REFRESH_MS` on every instance of both runtimes), so the hot path costs a map lookup.
 */
import type { MetricsDatabase } from "../../db/client.ts";
import { readPolicies } from "../../db/rollouts/store.ts";
import type { VersionShare } from "../engine/index.ts";
import { log } from "../observability/index.ts";

/** How stale a policy may be on an instance. */
export const REFRESH_MS = 5_000;

type Shares = ReadonlyMap<string, readonly VersionShare[]>;

interface Cached {
  at: number;
  shares: Shares;
  pending?: Promise<Shares>;
}

const cache = new WeakMap<MetricsDatabase, Cached>();
const NONE: Shares = new Map();

/**
 * A reader for the ingest path. When the database cannot be read, the last policies read stay in force (a halted
 * candidate stays halted through an outage); an instance that never read any opens new cases on the newest version,
 * and says so in its log, rather than refuse events it could keep.
 * @example const shares = await rolloutShares(db)(); shares.get("refund-dispute") // → [{ version: 2, percent: 80 }, …]
 */
export function rolloutShares(db: MetricsDatabase | null, now: () => number = Date.now): () => Promise<Shares> {
  if (!db) return async () => NONE;
  return () => {
    const known = cache.get(db);
    if (known && (now() - known.at < REFRESH_MS || known.pending))
      return known.pending ?? Promise.resolve(known.shares);
    const pending = readPolicies(db)
      .then((rows) => {
        const shares: Shares = new Map(rows.map((r) => [r.workflowId, r.policy.shares]));
        cache.set(db, { at: now(), shares });
        return shares;
      })
      .catch((error: unknown) => {
        const stale = known?.shares ?? NONE;
        // Try again on the next request after a short pause, not on every one.
        cache.set(db, { at: now() - REFRESH_MS + 1_000, shares: stale });
        log.error("rollouts: the policies could not be read; the last ones read stay in force", {
          error,
          known: Boolean(known),
        });
        return stale;
      });
    cache.set(db, { at: known?.at ?? 0, shares: known?.shares ?? NONE, pending });
    return pending;
  };
}
