export {
  advanceCase,
  NonDeterminismError,
  type Advance,
  type AdvanceInput,
  type AttemptStart,
  type ExtensionKit,
} from "./advance.ts";
export { defineWorkflow, type WorkflowHeader } from "./define.ts";
export { FatalError, RetryAfter } from "./errors.ts";
export { parseDuration } from "./duration.ts";
export { aliasRecordId, caseId, conversationOf, parseCaseId, routeEvent, type Route } from "./routing.ts";
export * from "./types.ts";
export {
  canonicalJson,
  chainEntry,
  digest,
  GENESIS_HASH,
  verifyChain,
  type AuditActor,
  type AuditEntry,
  type AuditFields,
  type ChainVerdict,
} from "./audit.ts";
export {
  approvalVerdict,
  decisionsFor,
  HUMAN_DECISION_TYPE,
  HUMAN_SOURCE,
  isHumanWait,
  refuseDecision,
  type DecisionRefusal,
} from "./human.ts";
export { slaNoticeText } from "./sla.ts";
