/**
 * A case's state on Deno KV: the in-memory case store, loaded from the case's records and persisting each
 * transaction as one atomic KV operation, checked against the case's version key so a second process writing
 * the same case makes the commit fail instead of interleaving (optimistic concurrency with versionstamps).
 */
import { MemoryCaseStore, type RecordChange, type RecordKey } from "../../case/memory-store.ts";
import { commitAlone, type KvGroupCommit, KvWriteBuilder } from "./kv-group-commit.ts";
import { joinRecords, type StoredRecord, writeParts } from "./kv-records.ts";

export class CaseConflictError extends Error {
  constructor(caseId: string) {
    super(`case ${caseId} was changed by another process; reload and try again`);
    this.name = "CaseConflictError";
  }
}

/** What this process knows of a case's stored version: the versionstamp its next commit checks, and the counter. */
export interface KvCaseVersion {
  versionstamp: string | null;
  counter: number;
  /** Stored under the legacy key (`["case-version", id]`): the next commit checks it there and moves it. */
  legacy?: boolean;
  /**
   * Not read, taken as new (the case host's `NewCaseGuess`): the first commit checks the case absent under both keys,
   * so a case stored under the legacy one is not taken for a new one either.
   */
  presumedNew?: boolean;
}

/** A case's store over its KV records, with the version its commits check (moved by each commit). */
export interface KvCase {
  store: MemoryCaseStore;
  version: KvCaseVersion;
}

/**
 * A case's version sits at its records' prefix itself: next to them in KV's key order, so a commit touches one
 * region of the file where a separate `["case-version", …]` range cost another page per commit (random case keys:
 * ~22 % of a 46-case commit, bench/RESULTS.md, newcase), and a list of the prefix does not return it.
 */
const versionKeyOf = (caseId: string): Deno.KvKey => ["case", caseId];
/** Where a case's version was kept before (2026-12-03): read, and moved by the case's next commit. */
const legacyVersionKeyOf = (caseId: string): Deno.KvKey => ["case-version", caseId];

/** Writes that ride with a case's next transaction in its own atomic KV write (the case's timer: kv-case-timer.ts). */
export interface KvRider {
  /**
   * Adds its writes to `op`; returns what to do once they are durable (given the commit's versionstamp), or null when
   * it has nothing to add.
   */
  board(op: KvWriteBuilder): ((versionstamp: string) => void) | null;
}

/**
 * Each transaction's commit goes through `group` when given (kv-group-commit.ts: stored together with other
 * cases' concurrent transactions, its version check kept), else straight to KV.
 * @example const store = await openKvCaseStore(kv, "payment-recovery/customer:ana@example.com");
 */
export async function openKvCaseStore(kv: Deno.Kv, caseId: string, group?: KvGroupCommit): Promise<MemoryCaseStore> {
  return (await readKvCase(kv, caseId, group)).store;
}

/** A version key as read: its counter and versionstamp, both null when it is absent. */
type VersionRead = { value: number | null; versionstamp: string | null };

/**
 * A case's version and records in one range read: the version key is the records' prefix, so it sorts first and is
 * read in the range's first batch (one KV read). A write after that batch fails our first commit, not lost.
 */
async function readCaseRange(kv: Deno.Kv, caseId: string): Promise<{ version: VersionRead; records: StoredRecord[] }> {
  const versionKey = versionKeyOf(caseId);
  let version: VersionRead = { value: null, versionstamp: null };
  const below: Deno.KvEntry<string>[] = [];
  // `end` is the first key past the case's own: its id with a NUL appended sorts after every key below it.
  for await (const entry of kv.list<string | number>({ start: versionKey, end: ["case", `${caseId}\u0000`] })) {
    if (entry.key.length === versionKey.length) version = entry as Deno.KvEntry<number>;
    else below.push(entry as Deno.KvEntry<string>);
  }
  return { version, records: joinRecords(below, versionKey) };
}

/**
 * Reads the whole case from KV, its version before its records, so a write after the read makes our first commit
 * fail, not be lost. One read for a new case and for one stored since f989f72 (the version and the records were two
 * reads, each waiting behind the commits, ~20 ms apiece under load); a new case the host presumes new (its
 * `NewCaseGuess`) is not read at all, its first commit checking it absent (`presumedNew`).
 */
export async function readKvCase(kv: Deno.Kv, caseId: string, group?: KvGroupCommit, rider?: KvRider): Promise<KvCase> {
  let { version: current, records } = await readCaseRange(kv, caseId);
  let legacy: VersionRead = { value: null, versionstamp: null };
  if (current.versionstamp === null && records.length > 0) {
    // Records with no version beside them: stored before f989f72, the version under the legacy key. It is read, then
    // the range again, in that order (an old writer may still commit during a rolling deploy). A case with no records
    // is taken as new: a commit writes at least one record, and nothing deletes a case's last one.
    legacy = await kv.get<number>(legacyVersionKeyOf(caseId));
    ({ version: current, records } = await readCaseRange(kv, caseId));
  }
  const version: KvCaseVersion =
    current.versionstamp === null && legacy.versionstamp !== null
      ? { versionstamp: legacy.versionstamp, counter: legacy.value ?? 0, legacy: true }
      : { versionstamp: current.versionstamp, counter: current.value ?? 0 };
  return kvCase(
    kv,
    caseId,
    records.map((r) => ({ key: r.key as unknown as RecordKey, json: r.json, parts: r.parts })),
    version,
    group,
    rider,
  );
}

/**
 * A case's store over records already read, at a version already known: the whole case (`readKvCase`), or what an
 * ingest needs of an evicted one (`MemoryCaseStore.ingestRecords`, kept by the case host), with no KV read.
 * `parts` is how many KV values a record takes (1 when not given).
 */
export function kvCase(
  kv: Deno.Kv,
  caseId: string,
  records: readonly { key: RecordKey; json: string; parts?: number }[],
  version: KvCaseVersion,
  group?: KvGroupCommit,
  rider?: KvRider,
): KvCase {
  const prefix: Deno.KvKey = ["case", caseId];
  const versionKey = versionKeyOf(caseId);
  const partCounts = new Map(records.map((r) => [JSON.stringify(r.key), r.parts ?? 1]));

  const store = new MemoryCaseStore(async (changes: readonly RecordChange[]) => {
    const op = new KvWriteBuilder();
    if (version.legacy) {
      // Checked where it is, and moved: the case's next reader finds it beside its records.
      const legacyKey = legacyVersionKeyOf(caseId);
      op.check({ key: legacyKey, versionstamp: version.versionstamp }, { key: versionKey, versionstamp: null });
      op.delete(legacyKey);
    } else if (version.presumedNew)
      op.check({ key: versionKey, versionstamp: null }, { key: legacyVersionKeyOf(caseId), versionstamp: null });
    else op.check({ key: versionKey, versionstamp: version.versionstamp });
    const written = new Map<string, number>();
    for (const change of changes) {
      const id = JSON.stringify(change.key);
      written.set(id, writeParts(op, [...prefix, ...change.key], change.json, partCounts.get(id) ?? 0));
    }
    op.set(versionKey, version.counter + 1);
    const landed = rider?.board(op) ?? null;
    const result = group ? await group.commit(op.write) : await commitAlone(kv, op.write);
    if (!result.ok) throw new CaseConflictError(caseId);
    landed?.(result.versionstamp);
    version.versionstamp = result.versionstamp;
    version.counter++;
    delete version.legacy;
    delete version.presumedNew;
    for (const [id, parts] of written) partCounts.set(id, parts);
  });
  store.load(records);
  return { store, version };
}
