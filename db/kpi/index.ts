export {
  type Baseline,
  type BaselineComparison,
  compareWithBaseline,
  type RateChange,
  rateChange,
} from "./baseline.ts";
export {
  type ComparedKpi,
  type CompareOptions,
  compareVersions,
  DEFAULT_MINIMUM_SAMPLE,
  type Estimate,
  type Interval,
  type KpiComparison,
  medianInterval,
  newcombeDifference,
  type Verdict,
  wilsonInterval,
  Z_95,
} from "./compare.ts";
export {
  type ConversationCaseRow,
  type ConversationFigures,
  type ConversationTally,
  conversationFiguresOf,
  conversationFromCases,
  conversationFromRollups,
} from "./conversation.ts";
export {
  COUNT_FIELDS,
  type ExceptionShare,
  emptyTally,
  type Kpis,
  kpisOf,
  mergeTally,
  percentileMinutes,
  type Tally,
} from "./definitions.ts";
export {
  type ExceptionCaseStats,
  type ExceptionCosts,
  exceptionCaseStats,
  exceptionCosts,
} from "./exception-costs.ts";
export { type PolicyVersionTally, tallyByPolicyVersion } from "./policy-versions.ts";
export { tallyFromRawEvents } from "./raw.ts";
export { addCase, type CaseRow, tallyFromCases } from "./recount.ts";
export { type GroupKey, type KpiFilter, type TallyGroup, tallyFromRollups } from "./rollups.ts";
export {
  type SatisfactionByPolicy,
  type SatisfactionCaseRow,
  type SatisfactionFigures,
  type SatisfactionTally,
  satisfactionByPolicyVersion,
  satisfactionFiguresOf,
  satisfactionFromCases,
  satisfactionFromRollups,
} from "./satisfaction.ts";
export {
  type ValueCaseRow,
  type ValueFigures,
  type ValueTally,
  valueFiguresOf,
  valueFromCases,
  valueFromRollups,
} from "./value.ts";
export { type VersionComparison, versionComparisons } from "./version-comparisons.ts";
