import { describe, expect, it } from "vitest";
import { ttrRanges } from "./ttr-ranges.ts";

describe("ttrRanges", () => {
  it("gathers the fine buckets into ranges from the first with cases to the last, the gaps between kept at 0", () => {
    const ranges = ttrRanges([
      { bucketMinutes: 6, cases: 2 },
      { bucketMinutes: 14, cases: 1 },
      { bucketMinutes: 75, cases: 4 },
      { bucketMinutes: 1_440, cases: 1 },
    ]);
    expect(ranges.map((r) => [r.label, r.cases])).toEqual([
      ["5–15 min", 3],
      ["15 min – 1 h", 0],
      ["1–4 h", 4],
      ["4 h – 1 day", 0],
      ["1–3 days", 1],
    ]);
    expect(ranges.reduce((n, r) => n + r.cases, 0)).toBe(8);
  });

  it("puts under 5 min and beyond a week at the ends, and gives nothing for no cases", () => {
    expect(ttrRanges([{ bucketMinutes: 0, cases: 5 }]).map((r) => [r.label, r.cases])).toEqual([["under 5 min", 5]]);
    expect(ttrRanges([{ bucketMinutes: 30 * 1_440, cases: 1 }]).map((r) => r.label)).toEqual(["a week or more"]);
    expect(ttrRanges([])).toEqual([]);
  });
});
