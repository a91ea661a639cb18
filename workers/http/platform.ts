/**
 * What the HTTP app needs from the platform it runs on: where cases and dead letters live, and a rate limiter.
 * The Cloudflare adapter backs it with Durable Objects and bindings; the Deno adapter with Deno KV.
 */
import type { LanguageModelV3 } from "@ai-sdk/provider";
import type { CaseDirectory } from "../case/directory.ts";
import type { DeadLetter, DeadLetterInput, DeadLetterQuery, DeadLetterWithPayload } from "../dead-letters/types.ts";
import type { VersionShare, WorkflowDefinition } from "../engine/index.ts";

export type { CaseDirectory };

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
  /** The rollout policies in force (workers/rollouts/shares.ts); absent: every workflow opens on its newest version. */
  rollouts?: () => Promise<ReadonlyMap<string, readonly VersionShare[]>>;
  /** The largest webhook body this platform's case store can keep (default: each source's own cap). */
  maxBodyBytes?: number;
  /**
   * Hands a customer's chat socket (`GET /chat/:token/socket`, an upgrade request whose link was verified) to the
   * case `caseId`, which answers the upgrade and keeps the socket (workers/case/chat.ts); absent: no chat.
   */
  chatSocket?: (caseId: string, request: Request) => Promise<Response>;
  /**
   * The model that translates a workflow's conversations for operators, or null when none is configured (the offline
   * rules do not translate); absent: the configuration's (`CROSSFLOW_MODEL…`, step id `translate`).
   */
  translator?: (workflowId: string) => { model: LanguageModelV3; ref: string } | null;
}
