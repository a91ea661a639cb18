/**
 * Time to resolution as a manager reads its spread: the rollups' fine buckets (to the minute under an hour, db/facts.ts
 * `ttrBucketMinutes`) gathered into a few ranges, from the first that holds a case to the last, so a month of cases is
 * seven rows rather than sixty rows of one case each. The CSV download keeps the fine buckets.
 */
const RANGES: readonly { from: number; label: string }[] = [
  { from: 0, label: "under 5 min" },
  { from: 5, label: "5–15 min" },
  { from: 15, label: "15 min – 1 h" },
  { from: 60, label: "1–4 h" },
  { from: 240, label: "4 h – 1 day" },
  { from: 1_440, label: "1–3 days" },
  { from: 4_320, label: "3–7 days" },
  { from: 10_080, label: "a week or more" },
];

export interface TtrRange {
  label: string;
  /** The range's lower bound in minutes. */
  from: number;
  cases: number;
}

/**
 * @example ttrRanges([{ bucketMinutes: 2, cases: 3 }, { bucketMinutes: 90, cases: 1 }])
 * // → under 5 min 3, 5–15 min 0, 15 min – 1 h 0, 1–4 h 1
 */
export function ttrRanges(buckets: readonly { bucketMinutes: number; cases: number }[]): TtrRange[] {
  const ranges = RANGES.map((r) => ({ ...r, cases: 0 }));
  for (const b of buckets) {
    const i = ranges.findLastIndex((r) => b.bucketMinutes >= r.from);
    ranges[Math.max(0, i)]!.cases += b.cases;
  }
  const first = ranges.findIndex((r) => r.cases > 0);
  const last = ranges.findLastIndex((r) => r.cases > 0);
  return first === -1 ? [] : ranges.slice(first, last + 1);
}
