/**
 * Transactions over records held in memory: every write inside a transaction is recorded as a changed record (a key
 * and its JSON, or null when deleted) together with how to undo it in memory. `atomically` hands the changes to
 * storage in one batch, together with those of the transactions staged before it (`stage`), and rolls the memory
 * back, staged transactions included, when a transaction throws or storage refuses the batch.
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
  /** The changes not yet handed to storage: the staged transactions' and the running one's, by record key. */
  private pending = new Map<string, RecordChange>();
  /** How to undo them in memory, oldest first. */
  private undo: (() => void)[] = [];
  private running = false;

  constructor(private readonly persist: Persist) {}

  /**
   * Runs `fn` as a transaction in memory now; its writes reach storage with the next `atomically`, in the same
   * batch (a record written twice is stored once, as last written), or not at all. A throw undoes `fn` alone.
   */
  stage<T>(fn: () => T): T {
    return this.run(fn);
  }

  /** Runs `fn` and hands its writes, with every staged transaction's, to storage in one batch; resolves once stored. */
  async atomically<T>(fn: () => T): Promise<T> {
    const result = this.run(fn);
    const changes = [...this.pending.values()];
    const undo = this.undo;
    this.pending = new Map();
    this.undo = [];
    if (changes.length > 0) {
      try {
        await this.persist(changes);
      } catch (error) {
        // Storage did not take the changes: the memory must not claim them either (staged ones included).
        for (const step of undo.reverse()) step();
        throw error;
      }
    }
    return result;
  }

  private run<T>(fn: () => T): T {
    if (this.running) throw new Error("transactions do not nest");
    const undoFrom = this.undo.length;
    const before = new Map(this.pending);
    this.running = true;
    try {
      return fn();
    } catch (error) {
      for (const step of this.undo.splice(undoFrom).reverse()) step();
      this.pending = before;
      throw error;
    } finally {
      this.running = false;
    }
  }

  /** Records a write: `undo` restores the memory, `json` is what storage gets. */
  protected write(key: RecordKey, json: string | null, undo: () => void): void {
    if (!this.running) throw new Error("store writes belong inside atomically() or stage()");
    this.pending.set(JSON.stringify(key), { key, json });
    this.undo.push(undo);
  }
}
