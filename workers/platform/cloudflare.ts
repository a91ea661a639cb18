/**
 * The Cloudflare adapters: case Durable Objects and the dead-letter Durable Object behind plain interfaces.
 * (RPC stub types cannot express `unknown` payload fields, so the declared types are restored here, once.)
 */
import type { CaseView, DecisionInput, DecisionResult } from "../case/case-object.ts";
import type { AuditEntry, ChainVerdict } from "../engine/index.ts";
import { DEAD_LETTERS_NAME, type DeadLetter, type DeadLetterQuery, type DeadLetterWithPayload } from "../dead-letters/dead-letter-object.ts";
import type { Env } from "../env.ts";
import type { DeadLetterInput, DispatchDeps } from "../ingest/dispatch.ts";
import { WORKFLOWS } from "../workflows/index.ts";

export interface DeadLetterStore {
  add(entry: DeadLetterInput): Promise<{ id: number; duplicate: boolean }>;
  list(query: DeadLetterQuery): Promise<DeadLetter[]>;
  get(id: number): Promise<DeadLetterWithPayload | null>;
  markReplayed(id: number, result: unknown): Promise<void>;
}

export function deadLetterStore(env: Env): DeadLetterStore {
  const stub = env.DEAD_LETTERS.getByName(DEAD_LETTERS_NAME);
  return {
    add: (entry) => stub.add(entry),
    list: (query) => stub.list(query) as Promise<DeadLetter[]>,
    get: (id) => stub.get(id) as Promise<DeadLetterWithPayload | null>,
    markReplayed: (id, result) => stub.markReplayed(id, result),
  };
}

export function caseView(env: Env, caseId: string): Promise<CaseView | null> {
  return env.CASES.getByName(caseId).view() as Promise<CaseView | null>;
}

export function caseAudit(env: Env, caseId: string): Promise<{ entries: AuditEntry[]; verification: ChainVerdict } | null> {
  return env.CASES.getByName(caseId).audit() as Promise<{ entries: AuditEntry[]; verification: ChainVerdict } | null>;
}

export interface CaseDecisions {
  decide(input: DecisionInput): Promise<DecisionResult | null>;
  refuseAction(actorId: string | null, refusal: { code: string; message: string }): Promise<boolean>;
}

export function caseDecisions(env: Env, caseId: string): CaseDecisions {
  const stub = env.CASES.getByName(caseId);
  return {
    decide: (input) => stub.decide(input) as Promise<DecisionResult | null>,
    refuseAction: (actorId, refusal) => stub.refuseAction(actorId, refusal),
  };
}

export function cloudflareDispatch(env: Env): DispatchDeps {
  return {
    workflows: WORKFLOWS,
    cases: { ingest: (id, event) => env.CASES.getByName(id).ingest(event) },
    deadLetters: deadLetterStore(env),
  };
}
