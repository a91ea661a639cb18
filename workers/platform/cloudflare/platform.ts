/**
 * The Cloudflare adapter: case Durable Objects, the dead-letter Durable Object and the rate-limit binding behind
 * the platform port. (RPC stub types cannot express `unknown` payload fields, so the declared types are restored
 * here, once.)
 */

import { databaseSource } from "../../../db/client.ts";
import type { CaseJournal, CaseView, DecisionResult, OperationResult } from "../../case/runtime.ts";
import type { CaseHeader } from "../../case/storage.ts";
import { type AuditEntry, aliasRecordId, type ChainVerdict } from "../../engine/index.ts";
import type { CaseDirectory, Platform } from "../../http/index.ts";
import { rolloutShares } from "../../rollouts/shares.ts";
import { WORKFLOWS } from "../../workflows/index.ts";
import { deadLetterStore } from "./dead-letter-store.ts";
import type { Env } from "./env.ts";
import { metricsDelivery } from "./metrics.ts";

export function caseDirectory(env: Env): CaseDirectory {
  const stub = (caseId: string) => env.CASES.getByName(caseId);
  return {
    ingest: (caseId, event) => stub(caseId).ingest(event),
    head: (caseId) => stub(caseId).head() as Promise<CaseHeader | null>,
    view: (caseId) => stub(caseId).view() as Promise<CaseView | null>,
    audit: (caseId) => stub(caseId).audit() as Promise<{ entries: AuditEntry[]; verification: ChainVerdict } | null>,
    journal: (caseId) => stub(caseId).journal() as Promise<CaseJournal | null>,
    decide: (caseId, input) => stub(caseId).decide(input) as Promise<DecisionResult | null>,
    operate: (caseId, op) => stub(caseId).operate(op) as Promise<OperationResult | null>,
    refuseAction: (caseId, actorId, refusal) => stub(caseId).refuseAction(actorId, refusal),
    aliasOf: (kind, value) => stub(aliasRecordId(kind, value)).aliasOf(),
  };
}

const platforms = new WeakMap<Env, Platform>();

/** The platform for one set of bindings (kept per bindings object: it holds no per-request I/O objects). */
export function cloudflarePlatform(env: Env): Platform {
  let platform = platforms.get(env);
  if (!platform) {
    const limiter = env.INGEST_RATE_LIMITER;
    platform = {
      workflows: WORKFLOWS,
      cases: caseDirectory(env),
      deadLetters: deadLetterStore(env),
      metrics: () => metricsDelivery(env),
      rollouts: rolloutShares(databaseSource({ url: env.TURSO_DATABASE_URL, authToken: env.TURSO_AUTH_TOKEN })),
      rateLimit: limiter ? async (key) => (await limiter.limit({ key })).success : undefined,
      chatSocket: (caseId, request) => env.CASES.getByName(caseId).fetch(request),
    };
    platforms.set(env, platform);
  }
  return platform;
}
