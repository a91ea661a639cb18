export {
  emptyTally,
  kpisOf,
  mergeTally,
  percentileMinutes,
  COUNT_FIELDS,
  type Kpis,
  type Tally,
  type ExceptionShare,
} from "./definitions.ts";
export { tallyFromRollups, type KpiFilter, type GroupKey, type TallyGroup } from "./rollups.ts";
export { tallyFromRawEvents } from "./raw.ts";
export { tallyFromCases, addCase, type CaseRow } from "./recount.ts";
