/**
 * What the HTTP app needs from the platform it runs on: where cases and dead letters live, and a rate limiter.
 * The Cloudflare adapter backs it with Durable Objects and bindings; the Deno adapter with Deno KV.
 */
import type { CaseView, DecisionInput, DecisionResult } from "../case/runtime.ts";
import type { CaseHeader } from "../case/storage.ts";
import type { DeadLetter, DeadLetterQuery, DeadLetterWithPayload } from "../dead-letters/types.ts";
import type { AuditEntry, CaseIngestResult, ChainVerdict, EventEnvelope, WorkflowDefinition } from "../engine/index.ts";
import type { DeadLetterInput } from "../ingest/dispatch.ts";

export interface CaseDirectory {
  ingest(caseId: string, event: EventEnvelope): Promise<CaseIngestResult>;
  /** The case's own row (cheap): its status and, once it ended and its key opened a next case, that case's number. */
  head(caseId: string): Promise<CaseHeader | null>;
  view(caseId: string): Promise<CaseView | null>;
  audit(caseId: string): Promise<{ entries: AuditEntry[]; verification: ChainVerdict } | null>;
  decide(caseId: string, input: DecisionInput): Promise<DecisionResult | null>;
  refuseAction(caseId: string, actorId: string | null, refusal: { code: string; message: string }): Promise<boolean>;
  /** The case key an alias (an id another system knows a customer by) names, or null; recorded by `step.alias`. */
  aliasOf(kind: string, value: string): Promise<string | null>;
}

export interface DeadLetterStore {
  add(entry: DeadLetterInput): Promise<{ id: number; duplicate: boolean }>;
  list(query: DeadLetterQuery): Promise<DeadLetter[]>;
  get(id: number): Promise<DeadLetterWithPayload | null>;
  markReplayed(id: number, result: unknown): Promise<void>;
}

export interface Platform {
  workflows: readonly WorkflowDefinition[];
  cases: CaseDirectory;
  deadLetters: DeadLetterStore;
  /** False when `key` (a webhook source) is over its limit; absent: no limit. */
  rateLimit?: (key: string) => Promise<boolean>;
  /** Where metric batches go (a replayed metric dead letter too); null when none is configured. */
  metrics?: () => import("../metrics/index.ts").MetricsDelivery | null;
  /**
   * Whether the platform can take more work now: null, or how long a sender should wait because what was accepted
   * already would not be run in time (Deno's backlog of due alarms). Checked before anything is accepted.
   */
  admission?: () => { retryAfterSeconds: number; backlog: number } | null;
  /** The largest webhook body this platform's case store can keep (default: each source's own cap). */
  maxBodyBytes?: number;
}
