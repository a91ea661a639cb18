/**
 * The autonomy level in force per workflow action, as agent steps need it: read from the metrics database at most
 * once per few seconds per isolate (a change takes effect within `REFRESH_MS` on every instance of both runtimes, at
 * once on the instance that made it), so an agent's turn costs a map lookup. The agent step records the level it
 * read in its transcript; a replay never reads it again.
 */
import type { MetricsDatabase } from "../../db/client.ts";
import { readAutonomyLevels } from "../../db/rollouts/autonomy-store.ts";
import type { AutonomyLevels } from "../agent/types.ts";
import { log } from "../observability/index.ts";

/** How stale a level may be on an instance. */
export const REFRESH_MS = 5_000;

type Levels = ReadonlyMap<string, number>;

interface Cached {
  at: number;
  levels: Levels;
  pending?: Promise<Levels>;
}

const cache = new WeakMap<MetricsDatabase, Cached>();
const key = (workflowId: string, action: string) => `${workflowId}\u0000${action}`;

/** Drops this isolate's cached levels: the next read goes to the database (after this isolate changed one). */
export function forgetAutonomyLevels(db: MetricsDatabase | null): void {
  if (db) cache.delete(db);
}

/**
 * A reader for agent steps. When the database cannot be read, the last levels read stay in force (a demoted action
 * stays demoted through an outage); an instance that never read any answers null, so every action is on its
 * declared start, and says so in its log.
 * @example const level = await autonomyLevels(db)("refund-dispute", "refund") // → 2, or null: never changed
 */
/** What an instance holds while it has never managed to read the levels. */
const NEVER_READ: Levels = new Map();

export function autonomyLevels(db: MetricsDatabase | null, now: () => number = Date.now): AutonomyLevels {
  if (!db) return async () => null;
  const current = (): Promise<Levels> => {
    const known = cache.get(db);
    if (known && (now() - known.at < REFRESH_MS || known.pending))
      return known.pending ?? Promise.resolve(known.levels);
    const pending = readAutonomyLevels(db)
      .then((rows) => {
        const levels: Levels = new Map(rows.map((r) => [key(r.workflowId, r.action), r.level]));
        cache.set(db, { at: now(), levels });
        return levels;
      })
      .catch((error: unknown) => {
        const stale = known?.levels ?? NEVER_READ;
        // Try again after a short pause, not on every agent step.
        cache.set(db, { at: now() - REFRESH_MS + 1_000, levels: stale });
        log.error("autonomy: the levels could not be read; the last ones read stay in force", {
          error,
          known: Boolean(known),
        });
        return stale;
      });
    cache.set(db, { at: known?.at ?? 0, levels: known?.levels ?? new Map(), pending });
    return pending;
  };
  return async (workflowId, action) => {
    const levels = await current();
    // Never read (the database was down since this instance started): the most careful rung, not the declared start,
    // which may be above a level the action was demoted from. The turn records it, so the case keeps asking.
    if (levels === NEVER_READ) return 0;
    return levels.get(key(workflowId, action)) ?? null;
  };
}
