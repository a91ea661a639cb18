import { describe, expect, it } from "vitest";
import { emptyTally, type Tally } from "../../../../db/kpi/index.ts";
import { versionComparisons } from "./kpis.ts";

const opened = (n: number): Tally => Object.assign(emptyTally(), { opened: n, resolvedAutonomous: Math.floor(n / 2) });

describe("versionComparisons", () => {
  it("compares each version with the one before it, and with the version with the most cases when that is another", () => {
    const pairs = versionComparisons([
      { version: 3, tally: opened(40) },
      { version: 1, tally: opened(500) },
      { version: 2, tally: opened(100) },
    ]);
    expect(pairs.map((p) => [p.baseline, p.candidate, p.against, p.baselineCases, p.candidateCases])).toEqual([
      [1, 2, "previous", 500, 100],
      [2, 3, "previous", 100, 40],
      [1, 3, "most cases", 500, 40],
    ]);
    expect(pairs[0]!.kpis.map((k) => k.kpi)).toContain("autonomousResolutionRate");
    expect(pairs[0]!.minimumSample).toBe(30);
  });

  it("has nothing to compare with a single version", () => {
    expect(versionComparisons([{ version: 1, tally: opened(10) }])).toEqual([]);
  });
});
