/**
 * A case's state on Deno KV: the in-memory case store, loaded from the case's records and persisting each
 * transaction as one atomic KV operation, checked against the case's version key so a second process writing
 * the same case makes the commit fail instead of interleaving (optimistic concurrency with versionstamps).
 */
import { MemoryCaseStore, type RecordChange, type RecordKey } from "../../case/memory-store.ts";
import { commitAlone, type KvGroupCommit, KvWriteBuilder } from "./kv-group-commit.ts";
import { readRecords, writeParts } from "./kv-records.ts";

export class CaseConflictError extends Error {
  constructor(caseId: string) {
    super(`case ${caseId} was changed by another process; reload and try again`);
    this.name = "CaseConflictError";
  }
}

/**
 * Each transaction's commit goes through `group` when given (kv-group-commit.ts: stored together with other
 * cases' concurrent transactions, its version check kept), else straight to KV.
 * @example const store = await openKvCaseStore(kv, "payment-recovery/customer:ana@example.com");
 */
export async function openKvCaseStore(kv: Deno.Kv, caseId: string, group?: KvGroupCommit): Promise<MemoryCaseStore> {
  const prefix: Deno.KvKey = ["case", caseId];
  const versionKey: Deno.KvKey = ["case-version", caseId];
  // The version is read first: a write after it makes our first commit fail rather than be lost.
  const version = await kv.get<number>(versionKey);
  let versionstamp = version.versionstamp;
  let counter = version.value ?? 0;
  const records = await readRecords(kv, prefix);
  const partCounts = new Map(records.map((r) => [JSON.stringify(r.key), r.parts]));

  const store = new MemoryCaseStore(async (changes: readonly RecordChange[]) => {
    const op = new KvWriteBuilder().check({ key: versionKey, versionstamp });
    const written = new Map<string, number>();
    for (const change of changes) {
      const id = JSON.stringify(change.key);
      written.set(id, writeParts(op, [...prefix, ...change.key], change.json, partCounts.get(id) ?? 0));
    }
    op.set(versionKey, counter + 1);
    const result = group ? await group.commit(op.write) : await commitAlone(kv, op.write);
    if (!result.ok) throw new CaseConflictError(caseId);
    versionstamp = result.versionstamp;
    counter++;
    for (const [id, parts] of written) partCounts.set(id, parts);
  });
  store.load(records.map((r) => ({ key: r.key as unknown as RecordKey, json: r.json })));
  return store;
}
