/**
 * The policy versions in force, as `step.policy` reads them: every stored version read from the metrics database at
 * most once per few seconds per isolate, and the one in force picked at each read (so a version scheduled for a
 * moment takes effect then, without another read). A change takes effect within `REFRESH_MS` on every instance of
 * both runtimes, without a deploy. The step records the version it read; a replay never reads it again.
 */
import type { DatabaseSource } from "../../db/client.ts";
import { readPolicyVersions, versionInForce } from "../../db/policies.ts";
import type { PolicySource } from "../engine/index.ts";
import { cachedRead } from "./cached-read.ts";

/** How stale a policy may be on an instance. */
export const REFRESH_MS = 5_000;

type Stored = { version: number; value: unknown; effectiveFrom: number };
type Versions = ReadonlyMap<string, readonly Stored[]>;

/** What an instance holds while it has never managed to read the versions. */
const NEVER_READ: Versions = new Map();

const readers = new Map<string, () => Promise<Versions>>();
const key = (workflowId: string, name: string) => `${workflowId}\u0000${name}`;

/** Drops this isolate's cached versions: the next read goes to the database (after this isolate saved one). */
export function forgetPolicyVersions(): void {
  readers.clear();
}

function versionsReader(source: DatabaseSource, now: () => number): () => Promise<Versions> {
  return cachedRead(
    async (): Promise<Versions> => {
      const byPolicy = new Map<string, Stored[]>();
      for (const row of await readPolicyVersions(source.open())) {
        const k = key(row.workflowId, row.name);
        byPolicy.set(k, [...(byPolicy.get(k) ?? []), row]);
      }
      return byPolicy;
    },
    { refreshMs: REFRESH_MS, neverRead: NEVER_READ, what: "policies: the versions", now },
  );
}

/**
 * The policy port for the case runtime. When the database cannot be read, the versions last read stay in force; an
 * instance that never managed to read any fails the read (the step retries, then goes to a person) rather than decide
 * under defaults an admin may have replaced. Without a database nothing was ever changed: the defaults everywhere.
 * @example const read = await policiesInForce(databaseSource(config)).inForce("refund-dispute", "refund-limits") // → { version: 2, value: {...} } or null
 */
export function policiesInForce(source: DatabaseSource | null, now: () => number = Date.now): PolicySource {
  if (!source) return { inForce: async () => null };
  const current = () => {
    let reader = readers.get(source.key);
    if (!reader) {
      reader = versionsReader(source, now);
      readers.set(source.key, reader);
    }
    return reader();
  };
  return {
    async inForce(workflowId, name) {
      const versions = await current();
      if (versions === NEVER_READ) throw new Error("the policy versions could not be read from the metrics database");
      const found = versionInForce(versions.get(key(workflowId, name)) ?? [], now());
      return found ? { version: found.version, value: found.value } : null;
    },
  };
}
