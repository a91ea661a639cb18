/**
 * A case's one timer on Deno KV: a record (`["case-alarm", caseId]`, the time it is set for) and a delayed queue
 * message that delivers it, always written together, so a timer is never stored without its delivery. A timer set
 * by a transaction (`carry`, workers/case/runtime.ts) rides in that transaction's own atomic write (`board`): an
 * event and the wake-up it needs are one commit, where two commits in a row stood before the sender's 202.
 */
import type { AlarmClock } from "../../case/storage.ts";
import type { KvRider } from "./kv-case-store.ts";
import { type KvGroupCommit, KvWriteBuilder } from "./kv-group-commit.ts";

/** The queue message that delivers a case's timer (it may come late, twice, or after the timer moved). */
export interface AlarmMessage {
  kind: "case-alarm";
  caseId: string;
  at: number;
  /**
   * Names the one timer write it delivers (unique across processes and restarts): a process that ran that timer
   * itself and finished it knows the message has nothing left to do without reading the timer back from KV. Absent
   * in messages stored before 2026-12-04, which are checked against KV.
   */
  token?: string;
}

/** This process's timer writes are named `<random>-<n>`: no other process or run of this one names one the same. */
const TOKEN_PREFIX = crypto.randomUUID();
let tokensIssued = 0;

export const alarmKeyOf = (caseId: string): Deno.KvKey => ["case-alarm", caseId];

/** What the timer needs from its host. */
export interface KvCaseTimerHost {
  group: KvGroupCommit;
  now: () => number;
  /** The stored time, as the case should read it (null while that very alarm runs). */
  get: () => Promise<number | null>;
  /**
   * Called once a set or a delete is durable, with what a set was stored as: its commit's versionstamp and the token
   * its queue message carries (the host's in-process runner, its bookkeeping of running alarms).
   */
  moved: (at: number | null, stored?: StoredTimer) => void;
}

/** How a timer write was stored: its commit's versionstamp, and the token its queue message carries. */
export interface StoredTimer {
  versionstamp: string;
  token: string;
}

export class KvCaseTimer implements AlarmClock, KvRider {
  /** Set inside the running transaction, to go with its commit. */
  private carried: number | null = null;
  /** Stored by the last transaction's commit (the time, how it was stored), not yet confirmed by `set`. */
  private storedWith: ({ at: number } & StoredTimer) | null = null;

  constructor(
    private readonly caseId: string,
    private readonly host: KvCaseTimerHost,
  ) {}

  get(): Promise<number | null> {
    return this.host.get();
  }

  carry(at: number): void {
    this.carried = at;
  }

  board(op: KvWriteBuilder): ((versionstamp: string) => void) | null {
    const at = this.carried;
    if (at === null) return null;
    this.carried = null;
    const token = this.write(op, at);
    return (versionstamp) => {
      this.storedWith = { at, versionstamp, token };
    };
  }

  async set(at: number): Promise<void> {
    // A carry whose transaction wrote nothing (so never boarded) is replaced by this set.
    this.carried = null;
    let stored: StoredTimer | null = this.storedWith?.at === at ? this.storedWith : null;
    this.storedWith = null;
    if (stored === null) {
      const op = new KvWriteBuilder();
      const token = this.write(op, at);
      const result = await this.host.group.commit(op.write);
      if (!result.ok) throw new Error(`the timer of case ${this.caseId} was not stored`);
      stored = { versionstamp: result.versionstamp, token };
    }
    this.host.moved(at, { versionstamp: stored.versionstamp, token: stored.token });
  }

  async delete(): Promise<void> {
    this.carried = null;
    this.storedWith = null;
    await this.host.group.commit(new KvWriteBuilder().delete(alarmKeyOf(this.caseId)).write);
    this.host.moved(null);
  }

  /** The record and its delivery, in one write; returns the token its message carries. */
  private write(op: KvWriteBuilder, at: number): string {
    const token = `${TOKEN_PREFIX}-${++tokensIssued}`;
    const message: AlarmMessage = { kind: "case-alarm", caseId: this.caseId, at, token };
    op.set(alarmKeyOf(this.caseId), at).enqueue(message, { delay: Math.max(0, at - this.host.now()) });
    return token;
  }
}
