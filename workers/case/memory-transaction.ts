/**
 * Transactions over records held in memory: every write inside `atomically` is recorded as a changed record (a key
 * and its JSON, or null when deleted) together with how to undo it in memory, the changes are handed to storage in
 * one batch, and the memory is rolled back when the transaction throws or storage refuses the batch.
 */

/** A record's key below the case: its kind, then what identifies it within the kind. */
export type RecordKey = readonly [
  kind: "header" | "event" | "step" | "attempt" | "retry" | "audit" | "metric",
  ...id: (string | number)[],
];

export interface RecordChange {
  key: RecordKey;
  /** The record as JSON; null when it was deleted. */
  json: string | null;
}

/** Applies `changes` to storage, all or none; throws when that failed (the model is then stale). */
export type Persist = (changes: readonly RecordChange[]) => Promise<void>;

export abstract class MemoryTransactions {
  private changes: Map<string, RecordChange> | null = null;
  private undo: (() => void)[] = [];

  constructor(private readonly persist: Persist) {}

  async atomically<T>(fn: () => T): Promise<T> {
    if (this.changes) throw new Error("atomically() does not nest");
    this.changes = new Map();
    this.undo = [];
    let result: T;
    try {
      result = fn();
    } catch (error) {
      this.rollback();
      throw error;
    }
    const changes = [...this.changes.values()];
    this.changes = null;
    if (changes.length > 0) {
      try {
        await this.persist(changes);
      } catch (error) {
        // Storage did not take the changes: the memory must not claim them either.
        this.rollback();
        throw error;
      }
    }
    this.undo = [];
    return result;
  }

  private rollback(): void {
    for (const step of this.undo.reverse()) step();
    this.undo = [];
    this.changes = null;
  }

  /** Records a write: `undo` restores the memory, `json` is what storage gets. */
  protected write(key: RecordKey, json: string | null, undo: () => void): void {
    if (!this.changes) throw new Error("store writes belong inside atomically()");
    this.changes.set(JSON.stringify(key), { key, json });
    this.undo.push(undo);
  }
}
