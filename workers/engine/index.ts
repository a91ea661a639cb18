export {
  type Advance,
  type AdvanceInput,
  type AttemptStart,
  advanceCase,
  type ExtensionKit,
  NonDeterminismError,
} from "./advance.ts";
export {
  type AuditActor,
  type AuditEntry,
  type AuditFields,
  type ChainVerdict,
  canonicalJson,
  chainEntry,
  digest,
  GENESIS_HASH,
  verifyChain,
} from "./audit.ts";
export { defineWorkflow, type WorkflowHeader } from "./define.ts";
export { parseDuration } from "./duration.ts";
export { FatalError, RetryAfter } from "./errors.ts";
export {
  approvalVerdict,
  type DecisionRefusal,
  decisionsFor,
  HUMAN_DECISION_TYPE,
  HUMAN_SOURCE,
  isHumanWait,
  refuseDecision,
} from "./human.ts";
export {
  aliasRecordId,
  caseId,
  conversationOf,
  parseCaseId,
  type Route,
  routeEvent,
  shareBucket,
  type VersionShare,
  versionForKey,
  withRollout,
} from "./routing.ts";
export {
  advanceSurvey,
  readScore,
  SURVEY_PREFIX,
  SURVEY_REPLY,
  SURVEY_SEND,
  type SurveyAdvance,
  type SurveyResult,
  surveyQuestion,
  surveyRecords,
} from "./satisfaction.ts";
export { slaNoticeText } from "./sla.ts";
export { checkPolicy, policyLabel } from "./steps/policy.ts";
export * from "./types.ts";
