/**
 * Group commit for Deno KV: the writes of many cases that arrive while a commit is in flight are stored together
 * in the next atomic commit, so a burst of events costs one KV round trip per group instead of one per event.
 *
 * Each write keeps its own checks: a group commits only if every member's checks hold. When a group's commit fails
 * (a check did not hold, or KV refused it), it is split in halves and each half committed again, down to single
 * writes, so only the write whose check failed fails; the others are stored exactly as if they had never been
 * grouped, and one failing member costs about 2 log2(n) commits instead of one per member (KV does not say which
 * check failed). A caller is answered only after the commit that holds its write, so "answered" still means
 * "durable".
 *
 * Two writes touching the same key never share a group: checks run before any mutation, so two members checking
 * one versionstamp could both pass and overwrite each other. Groups stay within Deno KV's documented limits on one
 * atomic operation (measured on the bundled deno 2.9: 100 checks, 1000 mutations counting enqueues, 800 KiB of keys
 * and values, 80 KiB of keys), estimated from above; a single write over them is committed alone, and KV's own
 * refusal reaches its caller.
 */

/** One caller's atomic write: its checks, its mutations, its queue messages. */
export interface KvWrite {
  checks: Deno.AtomicCheck[];
  mutations: Deno.KvMutation[];
  enqueues: { value: unknown; delay?: number }[];
}

export type KvWriteResult = Deno.KvCommitResult | Deno.KvCommitError;

/** Builds a KvWrite with the calls an atomic operation takes (`writeParts` and friends accept either). */
export class KvWriteBuilder {
  readonly write: KvWrite = { checks: [], mutations: [], enqueues: [] };
  check(...checks: Deno.AtomicCheck[]): this {
    this.write.checks.push(...checks);
    return this;
  }
  set(key: Deno.KvKey, value: unknown, options?: { expireIn?: number }): this {
    this.write.mutations.push({
      type: "set",
      key,
      value,
      ...(options?.expireIn ? { expireIn: options.expireIn } : {}),
    });
    return this;
  }
  delete(key: Deno.KvKey): this {
    this.write.mutations.push({ type: "delete", key });
    return this;
  }
  enqueue(value: unknown, options?: { delay?: number }): this {
    this.write.enqueues.push({ value, delay: options?.delay });
    return this;
  }
}

/** Deno KV's limits on one atomic operation, with margin (the sizes below are upper estimates). */
export const KV_GROUP_LIMITS = { checks: 100, mutations: 1000, bytes: 800 * 1024, keyBytes: 80 * 1024 };

/** An upper bound of a key's encoded size: UTF-8 takes at most 3 bytes per UTF-16 unit, numbers 9, plus tags. */
function keyBytes(key: Deno.KvKey): number {
  let n = 0;
  for (const part of key)
    n += typeof part === "string" ? 3 * part.length + 2 : part instanceof Uint8Array ? part.length + 2 : 10;
  return n;
}

/** An upper bound of a value's serialized size (V8 serialization stores a string's units in at most 2 bytes). */
function valueBytes(value: unknown): number {
  if (typeof value === "string") return 2 * value.length + 16;
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return 16;
  if (value instanceof Uint8Array) return value.length + 16;
  return 2 * (JSON.stringify(value)?.length ?? 0) + 64;
}

interface Sized {
  write: KvWrite;
  keys: string[];
  checks: number;
  mutations: number;
  bytes: number;
  keyBytes: number;
  resolve: (result: KvWriteResult) => void;
  reject: (error: unknown) => void;
}

function size(write: KvWrite): Omit<Sized, "resolve" | "reject" | "write"> {
  const keys = new Set<string>();
  let bytes = 0;
  let kb = 0;
  for (const c of write.checks) {
    keys.add(JSON.stringify(c.key));
    kb += keyBytes(c.key);
  }
  for (const m of write.mutations) {
    keys.add(JSON.stringify(m.key));
    const k = keyBytes(m.key);
    kb += k;
    bytes += k + ("value" in m ? valueBytes(m.value) : 0);
  }
  for (const e of write.enqueues) bytes += valueBytes(e.value);
  return {
    keys: [...keys],
    checks: write.checks.length,
    mutations: write.mutations.length + write.enqueues.length,
    bytes,
    keyBytes: kb,
  };
}

function operation(kv: Deno.Kv, writes: readonly KvWrite[]): Deno.AtomicOperation {
  const op = kv.atomic();
  for (const w of writes) {
    op.check(...w.checks);
    op.mutate(...w.mutations);
    for (const e of w.enqueues) op.enqueue(e.value, e.delay !== undefined ? { delay: e.delay } : undefined);
  }
  return op;
}

/** Commits one write on its own, as one atomic operation. */
export function commitAlone(kv: Deno.Kv, write: KvWrite): Promise<KvWriteResult> {
  return operation(kv, [write]).commit();
}

/**
 * @example
 * const group = new KvGroupCommit(kv);
 * const result = await group.commit(new KvWriteBuilder().check(entry).set(["a"], 1).write);
 * if (!result.ok) throw new Error("changed meanwhile");
 */
export class KvGroupCommit {
  private readonly pending: Sized[] = [];
  private inFlight = 0;
  /** Commits tried, the writes they held, and failed groups split in halves since start (for tests and benches). */
  readonly stats = { groups: 0, writes: 0, splits: 0 };

  constructor(
    private readonly kv: Deno.Kv,
    private readonly options: { limits?: typeof KV_GROUP_LIMITS; concurrency?: number } = {},
  ) {}

  /** Commits `write` with the writes around it; resolves with its own outcome once it is durable (or refused). */
  commit(write: KvWrite): Promise<KvWriteResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ write, ...size(write), resolve, reject });
      // Writes issued in this same turn join the group: start it after them.
      if (this.inFlight < (this.options.concurrency ?? 1)) queueMicrotask(() => this.next());
    });
  }

  private next(): void {
    if (this.pending.length === 0 || this.inFlight >= (this.options.concurrency ?? 1)) return;
    const group = this.take();
    this.inFlight++;
    void this.commitGroup(group).finally(() => {
      this.inFlight--;
      this.next();
    });
  }

  /** The longest run of pending writes, in arrival order, that fits the limits and touches no key twice. */
  private take(): Sized[] {
    const limits = this.options.limits ?? KV_GROUP_LIMITS;
    const group: Sized[] = [];
    const keys = new Set<string>();
    const total = { checks: 0, mutations: 0, bytes: 0, keyBytes: 0 };
    while (this.pending.length > 0) {
      const w = this.pending[0]!;
      const fits =
        total.checks + w.checks <= limits.checks &&
        total.mutations + w.mutations <= limits.mutations &&
        total.bytes + w.bytes <= limits.bytes &&
        total.keyBytes + w.keyBytes <= limits.keyBytes &&
        !w.keys.some((k) => keys.has(k));
      if (!fits && group.length > 0) break;
      this.pending.shift();
      group.push(w);
      for (const k of w.keys) keys.add(k);
      total.checks += w.checks;
      total.mutations += w.mutations;
      total.bytes += w.bytes;
      total.keyBytes += w.keyBytes;
    }
    return group;
  }

  private async commitGroup(group: Sized[]): Promise<void> {
    this.stats.groups++;
    this.stats.writes += group.length;
    let result: KvWriteResult;
    try {
      result = await operation(
        this.kv,
        group.map((g) => g.write),
      ).commit();
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      return this.split(group);
    }
    if (result.ok || group.length === 1) {
      for (const g of group) g.resolve(result);
      return;
    }
    await this.split(group);
  }

  /**
   * A group failed: its halves are committed again, each as a group, so the members whose checks hold are stored
   * together and only a member whose own check fails (or that KV refuses on its own) is answered so.
   */
  private async split(group: Sized[]): Promise<void> {
    this.stats.splits++;
    const half = Math.ceil(group.length / 2);
    await Promise.all([this.commitGroup(group.slice(0, half)), this.commitGroup(group.slice(half))]);
  }
}
