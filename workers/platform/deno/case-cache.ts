/**
 * The cases a Deno process keeps in memory (workers/platform/deno/case-host.ts): up to a limit loaded whole, and
 * evicted ones that had not ended reduced to what their next ingest needs (`MemoryCaseStore.ingestRecords`: header,
 * event identities, last audit entry), so an event into one is stored without reading it back.
 */
import type { MemoryCaseStore, RecordKey } from "../../case/memory-store.ts";
import { TERMINAL_STATUSES } from "../../engine/index.ts";
import type { KvCaseVersion } from "./kv-case-store.ts";

/**
 * Cases kept loaded by default. Past it, an event for a case not in memory reads the case from KV first: into 10,000
 * open cases at 50 connections that ran at 519 req/s with 5,000 loaded and 1,288 req/s with 20,000 (the process then
 * held 371 MB; bench/RESULTS.md, newcase). The default stays within a 512 MB isolate; a server with the memory sets
 * `CROSSFLOW_CASE_CACHE`.
 */
export const CACHE_LIMIT = 5_000;
/**
 * Evicted cases whose ingest records stay in memory: with a KV read before every event, 100,000 open cases ran at a
 * fifth of the rate of 1,000 (bench/RESULTS.md, newcase), and holding them all loaded took 1.4 GB and ran at 0.18 ×.
 */
export const SKELETON_LIMIT = 200_000;

/** What a loaded case must offer the cache: its store and the version its next commit checks. */
export interface CachedCase {
  store: MemoryCaseStore;
  version: KvCaseVersion;
}

/** What an evicted case keeps for its next ingest: `MemoryCaseStore.ingestRecords` and its stored version. */
export interface CaseSkeleton {
  records: { key: RecordKey; json: string }[];
  version: KvCaseVersion;
}

export class CaseCache<Loaded extends CachedCase> {
  private readonly loaded = new Map<string, Loaded>();
  /** Evicted cases that had not ended, in eviction order. */
  private readonly skeletons = new Map<string, CaseSkeleton>();

  /** `busy`: whether a call for the case is running or queued (such a case is not evicted). */
  constructor(
    private readonly limits: { cacheLimit?: number; skeletonLimit?: number },
    private readonly busy: (caseId: string) => boolean,
  ) {}

  get(caseId: string): Loaded | undefined {
    return this.loaded.get(caseId);
  }

  /** Forgets the loaded case (its memory may be ahead of or behind storage): the next call reads it again. */
  drop(caseId: string): void {
    this.loaded.delete(caseId);
  }

  /** The skeleton an evicted case kept, taken out (what an ingest builds on it is kept again by `keepSkeleton`). */
  takeSkeleton(caseId: string): CaseSkeleton | undefined {
    const skeleton = this.skeletons.get(caseId);
    this.skeletons.delete(caseId);
    return skeleton;
  }

  /** Keeps a case loaded whole, evicting an idle one (down to its skeleton) when full. */
  admit(caseId: string, loaded: Loaded): void {
    // Whatever an evicted case kept is older than what is admitted now.
    this.skeletons.delete(caseId);
    if (this.loaded.size >= (this.limits.cacheLimit ?? CACHE_LIMIT)) {
      for (const [id, evicted] of this.loaded) {
        if (!this.busy(id)) {
          this.loaded.delete(id);
          // Idle, so its memory is what KV holds: its next event needs no read.
          this.keepSkeleton(id, evicted.store, evicted.version);
          break;
        }
      }
    }
    this.loaded.set(caseId, loaded);
  }

  /** Keeps what an ingest into an evicted case needs, unless the case has ended (its ingest reads more). */
  keepSkeleton(caseId: string, store: MemoryCaseStore, version: KvCaseVersion): void {
    const header = store.header();
    if (!header || TERMINAL_STATUSES.includes(header.status)) return;
    this.skeletons.set(caseId, { records: store.ingestRecords(), version: { ...version } });
    if (this.skeletons.size > (this.limits.skeletonLimit ?? SKELETON_LIMIT)) {
      const oldest = this.skeletons.keys().next();
      if (!oldest.done) this.skeletons.delete(oldest.value);
    }
  }

  /** How many cases are loaded whole, and how many evicted ones keep their ingest records (for benches and tests). */
  counts(): { loaded: number; skeletons: number } {
    return { loaded: this.loaded.size, skeletons: this.skeletons.size };
  }
}
