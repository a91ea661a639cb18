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
}

export const alarmKeyOf = (caseId: string): Deno.KvKey => ["case-alarm", caseId];

/** What the timer needs from its host. */
export interface KvCaseTimerHost {
  group: KvGroupCommit;
  now: () => number;
  /** The stored time, as the case should read it (null while that very alarm runs). */
  get: () => Promise<number | null>;
  /**
   * Called once a set or a delete is durable, with the versionstamp a set was stored with (the host's in-process
   * runner, its bookkeeping of running alarms).
   */
  moved: (at: number | null, versionstamp?: string) => void;
}

export class KvCaseTimer implements AlarmClock, KvRider {
  /** Set inside the running transaction, to go with its commit. */
  private carried: number | null = null;
  /** Stored by the last transaction's commit (the time and the commit's versionstamp), not yet confirmed by `set`. */
  private storedWith: { at: number; versionstamp: string } | null = null;

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
    this.write(op, at);
    return (versionstamp) => {
      this.storedWith = { at, versionstamp };
    };
  }

  async set(at: number): Promise<void> {
    // A carry whose transaction wrote nothing (so never boarded) is replaced by this set.
    this.carried = null;
    let versionstamp = this.storedWith?.at === at ? this.storedWith.versionstamp : null;
    this.storedWith = null;
    if (versionstamp === null) {
      const result = await this.host.group.commit(this.write(new KvWriteBuilder(), at).write);
      if (!result.ok) throw new Error(`the timer of case ${this.caseId} was not stored`);
      versionstamp = result.versionstamp;
    }
    this.host.moved(at, versionstamp);
  }

  async delete(): Promise<void> {
    this.carried = null;
    this.storedWith = null;
    await this.host.group.commit(new KvWriteBuilder().delete(alarmKeyOf(this.caseId)).write);
    this.host.moved(null);
  }

  /** The record and its delivery, in one write. */
  private write(op: KvWriteBuilder, at: number): KvWriteBuilder {
    const message: AlarmMessage = { kind: "case-alarm", caseId: this.caseId, at };
    return op.set(alarmKeyOf(this.caseId), at).enqueue(message, { delay: Math.max(0, at - this.host.now()) });
  }
}
