/**
 * The case facts the metrics database stores are defined in db/facts.ts (db/ imports nothing from workers/); the
 * engine declares the case statuses too, since it imports nothing of ours. This module sees both and refuses to
 * compile when they differ, so a status added on one side only cannot reach the database's enum unnoticed.
 */

import type { CASE_STATUSES as STORED_CASE_STATUSES } from "../../db/facts.ts";
import type { CASE_STATUSES as ENGINE_CASE_STATUSES } from "../engine/types.ts";

export {
  CASE_STATUSES,
  type CaseFacts,
  CaseFactsFold,
  type CaseSnapshot,
  type CaseStatus,
  caseFacts,
  dayOf,
  decisionMinutes,
  METRIC_KINDS,
  type MetricBatch,
  type MetricEvent,
  ttrBucketMinutes,
  type WorkflowMeasures,
} from "../../db/facts.ts";

/** `true` only when both tuples hold the same statuses in the same order. */
type Identical<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type MustHold<T extends true> = T;

/** Compile-time only: an error here means workers/engine/types/case.ts and db/facts.ts list different statuses. */
export type CaseStatusesAgree = MustHold<Identical<typeof ENGINE_CASE_STATUSES, typeof STORED_CASE_STATUSES>>;
