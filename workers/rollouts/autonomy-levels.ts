/**
 * The autonomy level in force per workflow action, as agent steps need it: read from the metrics database at most
 * once per few seconds per isolate (a change takes effect within `REFRESH_MS` on every instance of both runtimes, at
 * once on the instance that made it), so an agent's turn costs a map lookup. The agent step records the level it
 * read in its transcript; a replay never reads it again.
 */
import type { DatabaseSource } from "../../db/client.ts";
import { readAutonomyLevels } from "../../db/rollouts/autonomy-store.ts";
import type { AutonomyLevels } from "../agent/types.ts";
import { cachedRead } from "./cached-read.ts";

/** How stale a level may be on an instance. */
export const REFRESH_MS = 5_000;

type Levels = ReadonlyMap<string, number>;

/** What an instance holds while it has never managed to read the levels. */
const NEVER_READ: Levels = new Map();

const readers = new Map<string, () => Promise<Levels>>();
const key = (workflowId: string, action: string) => `${workflowId}\u0000${action}`;

/** Drops this isolate's cached levels: the next read goes to the database (after this isolate changed one). */
export function forgetAutonomyLevels(): void {
  readers.clear();
}

function levelsReader(source: DatabaseSource, now: () => number): () => Promise<Levels> {
  return cachedRead(
    async (): Promise<Levels> =>
      new Map((await readAutonomyLevels(source.open())).map((r) => [key(r.workflowId, r.action), r.level])),
    { refreshMs: REFRESH_MS, neverRead: NEVER_READ, what: "autonomy: the levels", now },
  );
}

/**
 * A reader for agent steps. When the database cannot be read, the last levels read stay in force (a demoted action
 * stays demoted through an outage); an instance that never managed to read any answers the most careful rung (0) for
 * every action, since the declared start may be above a level the action was demoted from, and says so in its log.
 * Without a database at all nothing was ever changed: null, each action on its declared start.
 * @example const level = await autonomyLevels(databaseSource(config))("refund-dispute", "refund") // → 2, or null: never changed
 */
export function autonomyLevels(source: DatabaseSource | null, now?: () => number): AutonomyLevels {
  if (!source) return async () => null;
  const current = () => {
    // A reader with its own clock (a test's) is kept like the shared one, so forgetting drops it too.
    let reader = readers.get(source.key);
    if (!reader) {
      reader = levelsReader(source, now ?? Date.now);
      readers.set(source.key, reader);
    }
    return reader();
  };
  return async (workflowId, action) => {
    const levels = await current();
    // The turn records what it read, so a case that began while the levels were unknown keeps asking.
    if (levels === NEVER_READ) return 0;
    return levels.get(key(workflowId, action)) ?? null;
  };
}
