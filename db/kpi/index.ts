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
export { tallyFromRawEvents } from "./raw.ts";
export { addCase, type CaseRow, tallyFromCases } from "./recount.ts";
export { type GroupKey, type KpiFilter, type TallyGroup, tallyFromRollups } from "./rollups.ts";
