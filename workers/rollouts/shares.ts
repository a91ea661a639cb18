/**
 * The rollout policies in force, as the ingest path needs them: per workflow, the share of new cases each version
 * opens. Read from the metrics database at most once per few seconds per isolate (a change takes effect within
 * `REFRESH_MS` on every instance of both runtimes), so the hot path costs a map lookup.
 */
import type { DatabaseSource } from "../../db/client.ts";
import { readPolicies } from "../../db/rollouts/store.ts";
import type { VersionShare } from "../engine/index.ts";
import { cachedRead } from "./cached-read.ts";

/** How stale a policy may be on an instance. */
export const REFRESH_MS = 5_000;

type Shares = ReadonlyMap<string, readonly VersionShare[]>;

const NONE: Shares = new Map();
const readers = new Map<string, () => Promise<Shares>>();

/**
 * A reader for the ingest path (one per database and instance). When the database cannot be read, the last policies
 * read stay in force (a halted candidate stays halted through an outage); an instance that never read any opens new
 * cases on the newest version, and says so in its log, rather than refuse events it could keep.
 * @example const shares = await rolloutShares(databaseSource(config))(); shares.get("refund-dispute") // → [{ version: 2, percent: 80 }, …]
 */
export function rolloutShares(source: DatabaseSource | null, now?: () => number): () => Promise<Shares> {
  if (!source) return async () => NONE;
  // A reader with its own clock (a test's) is its own; the platforms share one per database.
  if (now) return sharesReader(source, now);
  let reader = readers.get(source.key);
  if (!reader) {
    reader = sharesReader(source, Date.now);
    readers.set(source.key, reader);
  }
  return reader;
}

function sharesReader(source: DatabaseSource, now: () => number): () => Promise<Shares> {
  return cachedRead(
    async (): Promise<Shares> =>
      new Map((await readPolicies(source.open())).map((r) => [r.workflowId, r.policy.shares])),
    { refreshMs: REFRESH_MS, neverRead: NONE, what: "rollouts: the policies", now },
  );
}
