/**
 * Cases on Deno: each case runs the same case runtime as the Durable Object, over its state in Deno KV. Calls for
 * one case run one at a time (as a Durable Object's do), its timer is a KV record plus a delayed KV queue message
 * (near ones also run in process: alarm-runner.ts), and loaded cases stay in memory until the cache is full.
 */

import type { AutonomyLevels, ModelResolver } from "../../agent/types.ts";
import type { MemoryCaseStore } from "../../case/memory-store.ts";
import {
  type CaseJournal,
  type CaseOperation,
  CaseRuntime,
  type CaseRuntimeOptions,
  type CaseView,
  type DecisionInput,
  type DecisionResult,
  type OperationResult,
} from "../../case/runtime.ts";
import type { CaseHeader } from "../../case/storage.ts";
import type {
  AuditEntry,
  CaseIngestResult,
  ChainVerdict,
  EventEnvelope,
  PolicySource,
  WorkflowDefinition,
} from "../../engine/index.ts";
import type { CaseDirectory } from "../../http/index.ts";
import type { MetricsDelivery } from "../../metrics/index.ts";
import { log } from "../../observability/index.ts";
import { AlarmRunner } from "./alarm-runner.ts";
import { CaseCache, type CaseSkeleton } from "./case-cache.ts";
import { DenoChatSockets } from "./deno-chat-sockets.ts";
import { CaseConflictError, type KvCaseVersion, kvCase, readKvCase } from "./kv-case-store.ts";
import { type AlarmMessage, alarmKeyOf, KvCaseTimer, type StoredTimer } from "./kv-case-timer.ts";
import { KvGroupCommit, KvWriteBuilder } from "./kv-group-commit.ts";
import { NewCaseGuess } from "./new-case-guess.ts";

/**
 * Measured on this 2-core machine (bench/RESULTS.md, newcase): with group commit, many alarms in flight share each KV
 * commit, so 256 at once run new cases as fast as they are accepted (the backlog drains within a second of a load's
 * end; at 32 the same load reached the backlog limit and was refused); a backlog that drains in ~20 s.
 */
const DEFAULT_ALARMS = { concurrency: 256, maxBacklog: 2_000 };
/**
 * Tokens of timers this process ran and finished, kept until their queue messages come (within a second or so of
 * the run under load); past this many the oldest go, and their messages are checked against KV as any other.
 */
const FINISHED_TIMERS_KEPT = 65_536;

export interface CaseHostOptions {
  workflows: readonly WorkflowDefinition[];
  now?: () => number;
  metrics: () => MetricsDelivery | null;
  models?: ModelResolver;
  /** The autonomy level in force per workflow action (workers/rollouts/autonomy-levels.ts). */
  autonomy?: AutonomyLevels;
  /** The policy versions in force (workers/rollouts/policies.ts). */
  policies?: PolicySource;
  config?: Readonly<Record<string, unknown>>;
  /** Deliver timers through the KV queue (default true; tests fire them by hand instead). */
  listen?: boolean;
  /** Near alarms also run in this process (with `listen`): how many at once, and the backlog past which ingest refuses. */
  alarms?: { concurrency: number; maxBacklog: number };
  /** Cases kept loaded in memory (default 5,000). */
  cacheLimit?: number;
  /** Evicted cases whose ingest records are kept (default 200,000). */
  skeletonLimit?: number;
  /** Replay the body for every step instead of running on through a burst (`CaseRuntimeOptions`); for the bench. */
  replayEachStep?: boolean;
}

/** A case loaded whole: its runtime, its store and the version its next commit checks. */
interface LoadedCase {
  runtime: CaseRuntime;
  store: MemoryCaseStore;
  version: KvCaseVersion;
}

export class DenoCaseHost implements CaseDirectory {
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Cases in memory: loaded whole, or evicted to what their next ingest needs (case-cache.ts). */
  private readonly cache: CaseCache<LoadedCase>;
  /** Whether an event opening a case unknown here is stored with no read first (new-case-guess.ts). */
  private readonly newCases = new NewCaseGuess();
  private readonly now: () => number;
  /** What every case runtime of this host is built with (one object: an event into an evicted case builds one). */
  private readonly runtimeOptions: CaseRuntimeOptions;
  private readonly runner: AlarmRunner | null;
  /** The stored alarm (its versionstamp) each case is running now. */
  private readonly firing = new Map<string, string>();
  /**
   * Cases whose running alarm set (to the time given) or cleared (null) their timer: the record it ran from is gone,
   * nothing to clear, and the run reads its timer from here.
   */
  private readonly timerMovedWhileFiring = new Map<string, number | null>();
  /**
   * The near timers this process stored and runs itself (AlarmRunner), with the versionstamp each was stored with:
   * that run checks the entry it knows instead of reading it back from KV (a read that waits behind the commits).
   */
  private readonly ownTimers = new Map<string, { at: number } & StoredTimer>();
  /**
   * Tokens of the own timers this process ran and finished (their clear stored, or the run set the timer anew with a
   * message of its own): their queue messages are done with no read of the timer from KV.
   */
  private readonly finishedTimers = new Set<string>();
  /** Every case's transactions and timers, committed together with the others' concurrent ones (kv-group-commit.ts). */
  readonly group: KvGroupCommit;
  /** The customers' open chat sockets (deno-chat-sockets.ts). */
  private readonly chats = new DenoChatSockets(
    (caseId, fn) => this.withCase(caseId, fn),
    () => this.now(),
  );

  constructor(
    private readonly kv: Deno.Kv,
    private readonly options: CaseHostOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.cache = new CaseCache(options, (caseId) => this.queues.has(caseId));
    this.runtimeOptions = {
      workflows: options.workflows,
      now: this.now,
      metrics: options.metrics,
      models: options.models,
      autonomy: options.autonomy,
      policies: options.policies,
      config: options.config,
      aliases: this.aliases,
      replayEachStep: options.replayEachStep,
    };
    this.group = new KvGroupCommit(kv);
    this.runner =
      options.listen !== false
        ? new AlarmRunner((caseId) => this.runAlarmIfDue(caseId, true), {
            ...DEFAULT_ALARMS,
            ...options.alarms,
            now: this.now,
          })
        : null;
    if (options.listen !== false) {
      // A message may come late, twice, or after the alarm moved: the stored alarm decides whether it is due.
      void kv.listenQueue(async (message: unknown) => {
        const m = message as AlarmMessage;
        if (m?.kind === "case-alarm") await this.runAlarmIfDue(m.caseId, false, m.token);
      });
      this.sweep().catch((error: unknown) =>
        log.error("alarm sweep failed: alarms left due run when their queue messages arrive", { error }),
      );
    }
  }

  ingest(caseId: string, event: EventEnvelope): Promise<CaseIngestResult> {
    return this.serialized(caseId, async () => {
      if (this.cache.get(caseId)) return this.runOn(caseId, (c) => c.ingest(event));
      const skeleton = this.cache.takeSkeleton(caseId);
      if (skeleton) return this.ingestIntoSkeleton(caseId, skeleton, event);
      if (event.opens && this.newCases.presumeNew()) {
        const stored = await this.ingestPresumedNew(caseId, event);
        if (stored) return stored;
      }
      const loaded = await this.load(caseId);
      this.newCases.note(loaded.version.versionstamp !== null);
      return this.runOn(caseId, (c) => c.ingest(event));
    });
  }

  /** How many cases are loaded whole, and how many evicted ones keep their ingest records (for benches and tests). */
  cached(): { loaded: number; skeletons: number } {
    return this.cache.counts();
  }
  head(caseId: string): Promise<CaseHeader | null> {
    return this.withCase(caseId, (c) => c.head());
  }
  view(caseId: string): Promise<CaseView | null> {
    return this.withCase(caseId, (c) => c.view());
  }
  audit(caseId: string): Promise<{ entries: AuditEntry[]; verification: ChainVerdict } | null> {
    return this.withCase(caseId, (c) => c.audit());
  }
  journal(caseId: string): Promise<CaseJournal | null> {
    return this.withCase(caseId, (c) => c.journal());
  }
  decide(caseId: string, input: DecisionInput): Promise<DecisionResult | null> {
    return this.withCase(caseId, (c) => c.decide(input));
  }
  operate(caseId: string, op: CaseOperation): Promise<OperationResult | null> {
    return this.withCase(caseId, (c) => c.operate(op));
  }
  refuseAction(caseId: string, actorId: string | null, refusal: { code: string; message: string }): Promise<boolean> {
    return this.withCase(caseId, (c) => c.refuseAction(actorId, refusal));
  }

  /** The case key an alias names (recorded by `step.alias` as a KV record of its own), or null. */
  async aliasOf(kind: string, value: string): Promise<string | null> {
    return (await this.kv.get<string>(["alias", kind, value])).value;
  }

  /**
   * Null while ingest may accept; otherwise the alarms due and not yet run here exceed what drains in time, and a
   * sender should retry after the given seconds (see AlarmRunner).
   */
  admission(): { retryAfterSeconds: number; backlog: number } | null {
    return this.runner?.admission() ?? null;
  }

  /** When the case's alarm is set for, or null (also while that very alarm is running). */
  async alarmOf(caseId: string): Promise<number | null> {
    const entry = await this.kv.get<number>(alarmKeyOf(caseId));
    return entry.versionstamp !== null && entry.versionstamp === this.firing.get(caseId) ? null : entry.value;
  }

  /** Runs the case's alarm now if one is set, whatever its time (as a test would fire it); false if none. */
  async runAlarm(caseId: string): Promise<boolean> {
    return this.fireAlarm(caseId, () => true);
  }

  /**
   * `own`: the run of a timer this process stored (AlarmRunner), which may check the entry it knows. `token`: a queue
   * message's, naming the timer write it delivers.
   */
  private runAlarmIfDue(caseId: string, own = false, token?: string): Promise<boolean> {
    return this.fireAlarm(caseId, (at) => at <= this.now(), own, token);
  }

  /**
   * Runs the case's alarm if `due` says so. The stored alarm is cleared only after the run, and only if the run did
   * not set it again: a process killed mid-run leaves it, and its queue message (or the sweep at start) runs it again,
   * as a Durable Object's alarm is retried. During the run the clock reads no alarm, as `getAlarm()` does in one.
   * `own`: a timer this process stored is taken as stored (`ownTimers`), not read back; had another process moved it
   * since, the checked clear below fails and leaves that one, and a run more is harmless (a case's alarm may come
   * twice). A queue message is checked against KV (it may come from another process's timer) unless it delivers a
   * timer this process ran and finished (`token` in `finishedTimers`): each timer write has its message, so the
   * write it names has nothing left to run.
   */
  private fireAlarm(caseId: string, due: (at: number) => boolean, own = false, token?: string): Promise<boolean> {
    // Checked in the case's turn (after a run of it in progress) and before the case is loaded (it may be evicted).
    return this.serialized(caseId, async () =>
      token !== undefined && this.finishedTimers.delete(token)
        ? false
        : this.runOn(caseId, (c) => this.runDueAlarm(caseId, c, due, own)),
    );
  }

  /** `fireAlarm`'s run, in the case's turn on the case loaded whole. */
  private async runDueAlarm(
    caseId: string,
    c: CaseRuntime,
    due: (at: number) => boolean,
    own: boolean,
  ): Promise<boolean> {
    const key = alarmKeyOf(caseId);
    const known = this.ownTimers.get(caseId);
    // Taken either way: the run clears the timer or sets it again (which notes it anew).
    this.ownTimers.delete(caseId);
    const entry =
      own && known ? { key, value: known.at, versionstamp: known.versionstamp } : await this.kv.get<number>(key);
    if (entry.value === null || entry.versionstamp === null || !due(entry.value)) return false;
    this.firing.set(caseId, entry.versionstamp);
    let moved: boolean;
    try {
      await c.alarm();
    } finally {
      this.firing.delete(caseId);
      moved = this.timerMovedWhileFiring.has(caseId);
      this.timerMovedWhileFiring.delete(caseId);
    }
    // Cleared only if the run left it (checked, should another process have set it meanwhile). A run that set its
    // timer again is known here: its clear would fail the check and fail the group it shares (which then splits).
    if (!moved) await this.group.commit(new KvWriteBuilder().check(entry).delete(key).write);
    // Ours, run and finished: whether the clear held or another process had moved the timer (that write has a
    // message of its own), the message of the write we ran has nothing left to do.
    if (own && known) this.finishTimer(known.token);
    // After each burst: what the case said or heard meanwhile goes to the customer's open chat pages.
    await this.chats.push(caseId, c);
    return true;
  }

  private finishTimer(token: string): void {
    this.finishedTimers.add(token);
    if (this.finishedTimers.size > FINISHED_TIMERS_KEPT) {
      const oldest = this.finishedTimers.values().next();
      if (!oldest.done) this.finishedTimers.delete(oldest.value);
    }
  }

  /** The customer's chat socket for `caseId` (the HTTP app verified the link): deno-chat-sockets.ts. */
  chatSocket(caseId: string, request: Request): Response {
    return this.chats.accept(caseId, request);
  }

  /** Alarms left by a process that stopped (killed mid-run, or before their time): those due soon run here. */
  private async sweep(): Promise<void> {
    for await (const entry of this.kv.list<number>({ prefix: ["case-alarm"] }))
      this.runner?.schedule(String(entry.key[1]), entry.value);
  }

  /** Runs `fn` on the case once every earlier call for it has finished. */
  private withCase<T>(caseId: string, fn: (runtime: CaseRuntime) => Promise<T>): Promise<T> {
    return this.serialized(caseId, () => this.runOn(caseId, fn));
  }

  /** Runs `fn` on the case loaded whole (read from KV unless it is in memory). Call inside `serialized`. */
  private async runOn<T>(caseId: string, fn: (runtime: CaseRuntime) => Promise<T>): Promise<T> {
    const loaded = this.cache.get(caseId) ?? (await this.load(caseId));
    try {
      return await fn(loaded.runtime);
    } catch (error) {
      // Memory may be ahead of or behind storage now (a failed commit, a conflict): read the case again next time.
      this.cache.drop(caseId);
      throw error;
    }
  }

  /** Runs `fn` once every earlier call for the case has finished: calls for one case run one at a time. */
  private serialized<T>(caseId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(caseId) ?? Promise.resolve();
    const run = previous.then(fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(caseId, settled);
    void settled.then(() => {
      if (this.queues.get(caseId) === settled) this.queues.delete(caseId);
    });
    return run;
  }

  /**
   * An event into a case evicted from memory, stored from the records it kept (no KV read): a case that has not
   * ended is read by `storeEvent` for its header, its events' identities and its last audit entry only, and written
   * new records only, under the same version check as a loaded case. The case is read whole when it runs (the alarm
   * an event that may end its wait sets) or is asked for anything else; a failed commit drops what was kept.
   */
  private async ingestIntoSkeleton(
    caseId: string,
    skeleton: CaseSkeleton,
    event: EventEnvelope,
  ): Promise<CaseIngestResult> {
    const timer = this.timerOf(caseId);
    const { store, version } = kvCase(this.kv, caseId, skeleton.records, { ...skeleton.version }, this.group, timer);
    const result = await new CaseRuntime(store, timer, this.runtimeOptions).ingest(event);
    this.cache.keepSkeleton(caseId, store, version);
    return result;
  }

  /**
   * An event opening a case this process has no memory of, taken as a new case's (`NewCaseGuess`): stored with no
   * read first, its commit checking the case absent. Null when that cannot stand, with nothing stored: the case was
   * there (the commit failed), or the ingest committed nothing (a duplicate or "no case" an empty case cannot vouch
   * for). The caller then reads the case and ingests the event into what is stored.
   */
  private async ingestPresumedNew(caseId: string, event: EventEnvelope): Promise<CaseIngestResult | null> {
    const timer = this.timerOf(caseId);
    const presumed: KvCaseVersion = { versionstamp: null, counter: 0, presumedNew: true };
    const { store, version } = kvCase(this.kv, caseId, [], presumed, this.group, timer);
    const runtime = new CaseRuntime(store, timer, this.runtimeOptions);
    let result: CaseIngestResult;
    try {
      result = await runtime.ingest(event);
    } catch (error) {
      if (!(error instanceof CaseConflictError)) throw error;
      this.newCases.note(true);
      return null;
    }
    if (version.counter === 0) return null;
    this.newCases.note(false);
    this.cache.admit(caseId, { runtime, store, version });
    return result;
  }

  /** A case's `step.alias` records the alias as a KV record of its own (read by `aliasOf`). */
  private readonly aliases = {
    register: async (alias: { kind: string; value: string }, caseKey: string) =>
      void (await this.group.commit(new KvWriteBuilder().set(["alias", alias.kind, alias.value], caseKey).write)),
  };

  private async load(caseId: string): Promise<LoadedCase> {
    const timer = this.timerOf(caseId);
    const { store, version } = await readKvCase(this.kv, caseId, this.group, timer);
    const loaded = { runtime: new CaseRuntime(store, timer, this.runtimeOptions), store, version };
    this.cache.admit(caseId, loaded);
    return loaded;
  }

  /**
   * The case's timer, riding with its transactions (kv-case-timer.ts). One per loaded store. While its alarm runs it
   * is read from memory, with no KV read: calls for a case run one at a time here, so only that run moves it.
   */
  private timerOf(caseId: string): KvCaseTimer {
    return new KvCaseTimer(caseId, {
      group: this.group,
      now: this.now,
      get: async () =>
        this.firing.has(caseId) ? (this.timerMovedWhileFiring.get(caseId) ?? null) : this.alarmOf(caseId),
      moved: (at, stored) => {
        if (this.firing.has(caseId)) this.timerMovedWhileFiring.set(caseId, at);
        const runsHere = at !== null && (this.runner?.schedule(caseId, at) ?? false);
        if (runsHere && stored !== undefined) this.ownTimers.set(caseId, { at, ...stored });
        else this.ownTimers.delete(caseId);
      },
    });
  }
}
