/**
 * Where a platform keeps its cases (a Durable Object per case on Cloudflare, Deno KV records on Deno), as everything
 * above the case layer reaches them: routing hands events in, the API reads and decides, Slack clicks decide.
 * Callers that need less take a `Pick` of it.
 */
import type { AuditEntry, CaseIngestResult, ChainVerdict, EventEnvelope } from "../engine/index.ts";
import type { DecisionInput, DecisionResult } from "./decisions.ts";
import type { CaseJournal } from "./journal.ts";
import type { CaseOperation, OperationResult } from "./operations.ts";
import type { CaseHeader } from "./storage.ts";
import type { CaseView } from "./view.ts";

export interface CaseDirectory {
  ingest(caseId: string, event: EventEnvelope): Promise<CaseIngestResult>;
  /** The case's own row (cheap): its status and, once it ended and its key opened a next case, that case's number. */
  head(caseId: string): Promise<CaseHeader | null>;
  view(caseId: string): Promise<CaseView | null>;
  audit(caseId: string): Promise<{ entries: AuditEntry[]; verification: ChainVerdict } | null>;
  /** The case's recorded journal (events with payloads, completed steps): what a shadow run replays. */
  journal(caseId: string): Promise<CaseJournal | null>;
  decide(caseId: string, input: DecisionInput): Promise<DecisionResult | null>;
  /** An operator's retry, cancellation or reassignment of the case (audited, idempotent); null when there is no case. */
  operate(caseId: string, op: CaseOperation): Promise<OperationResult | null>;
  refuseAction(caseId: string, actorId: string | null, refusal: { code: string; message: string }): Promise<boolean>;
  /** The case key an alias (an id another system knows a customer by) names, or null; recorded by `step.alias`. */
  aliasOf(kind: string, value: string): Promise<string | null>;
}
