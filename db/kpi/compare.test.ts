import { describe, expect, it } from "vitest";
import {
  compareVersions,
  DEFAULT_MINIMUM_SAMPLE,
  type KpiComparison,
  medianInterval,
  newcombeDifference,
  wilsonInterval,
} from "./compare.ts";
import { emptyTally, type Tally } from "./definitions.ts";

/** Published figures are given to four decimals. */
const close = (actual: { low: number; high: number } | null, low: number, high: number) => {
  expect(actual).not.toBeNull();
  expect(actual!.low).toBeCloseTo(low, 4);
  expect(actual!.high).toBeCloseTo(high, 4);
};

const tally = (counts: Partial<Omit<Tally, "ttr" | "exceptions">>, ttr: [number, number][] = []): Tally =>
  Object.assign(emptyTally(), counts, { ttr: new Map(ttr) });

const row = (rows: KpiComparison[], kpi: KpiComparison["kpi"]) => rows.find((r) => r.kpi === kpi)!;

describe("Wilson score interval", () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Stat Med 17:857–872, Table I, method 3.
  it("matches Newcombe's published values", () => {
    close(wilsonInterval(81, 263), 0.2553, 0.3662);
    close(wilsonInterval(15, 148), 0.0624, 0.1605);
    close(wilsonInterval(0, 20), 0, 0.1611);
    close(wilsonInterval(1, 29), 0.0061, 0.1718);
  });

  it("stays inside [0, 1] at 0 % and 100 %", () => {
    close(wilsonInterval(0, 10), 0, 0.2775);
    close(wilsonInterval(10, 10), 0.7225, 1);
    expect(wilsonInterval(0, 10)!.low).toBe(0);
    expect(wilsonInterval(10, 10)!.high).toBe(1);
  });

  it("has no interval without cases", () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });
});

describe("Newcombe's difference of proportions (method 10)", () => {
  // Newcombe (1998), "Interval estimation for the difference between independent proportions", Stat Med 17:873–890,
  // Table II, method 10; the difference is the first proportion minus the second.
  const published: [number, number, number, number, number, number][] = [
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [6, 7, 2, 7, 0.0582, 0.8062],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [0, 10, 0, 10, -0.2775, 0.2775],
    [10, 10, 0, 20, 0.6791, 1],
    [10, 10, 0, 10, 0.6075, 1],
  ];
  it.each(published)("%i/%i − %i/%i is %f to %f", (x1, n1, x2, n2, low, high) => {
    const result = newcombeDifference({ successes: x2, n: n2 }, { successes: x1, n: n1 });
    expect(result!.difference).toBeCloseTo(x1 / n1 - x2 / n2, 10);
    close(result!.interval, low, high);
  });

  it("has no interval when either side has no cases", () => {
    expect(newcombeDifference({ successes: 0, n: 0 }, { successes: 3, n: 10 })).toBeNull();
  });
});

describe("interval for the median time to resolution", () => {
  it("takes the order statistics a binomial(n, ½) table gives: ranks 10 and 21 of 30", () => {
    const oneEach = new Map(Array.from({ length: 30 }, (_, i): [number, number] => [i + 1, 1]));
    expect(medianInterval(oneEach)).toEqual({ low: 10, high: 21 });
  });

  it("reads the ranks through the buckets", () => {
    // 30 cases: ranks 1–12 in 5 min, 13–25 in 15 min, 26–30 in 60 min.
    expect(
      medianInterval(
        new Map([
          [60, 5],
          [5, 12],
          [15, 13],
        ]),
      ),
    ).toEqual({ low: 5, high: 15 });
  });

  it("has none below 6 resolved cases, where even the whole range covers less than 95 %", () => {
    expect(medianInterval(new Map([[5, 5]]))).toBeNull();
    expect(medianInterval(new Map([[5, 6]]))).toEqual({ low: 5, high: 5 });
    expect(medianInterval(new Map())).toBeNull();
  });
});

describe("compareVersions", () => {
  it("says better or worse by each KPI's direction when the interval of the change leaves out zero", () => {
    const v1 = tally(
      { opened: 200, resolvedAutonomous: 100, escalated: 60, errored: 20, handedToPerson: 80, slaBreached: 20 },
      [
        [30, 100],
        [120, 100],
      ],
    );
    const v2 = tally(
      { opened: 200, resolvedAutonomous: 150, escalated: 20, errored: 40, handedToPerson: 40, slaBreached: 10 },
      [
        [10, 150],
        [30, 50],
      ],
    );
    const rows = compareVersions(v1, v2);
    expect(rows.map((r) => [r.kpi, r.verdict])).toEqual([
      ["autonomousResolutionRate", "better"],
      ["escalationRate", "better"],
      ["errorRate", "worse"],
      ["slaBreachRate", "no difference yet"],
      ["medianMinutesToResolution", "better"],
    ]);
    const autonomy = row(rows, "autonomousResolutionRate");
    expect(autonomy.baseline).toMatchObject({ value: 0.5, sample: 200 });
    expect(autonomy.candidate).toMatchObject({ value: 0.75, sample: 200 });
    expect(autonomy.change!.difference).toBeCloseTo(0.25, 10);
    expect(autonomy.change!.interval!.low).toBeGreaterThan(0);
    expect(row(rows, "slaBreachRate").baseline.sample).toBe(80);
    const ttr = row(rows, "medianMinutesToResolution");
    expect(ttr).toMatchObject({ unit: "minutes", change: { difference: -20, interval: null } });
    expect(ttr.baseline).toMatchObject({ value: 30, interval: { low: 30, high: 120 }, sample: 200 });
    expect(ttr.candidate.value).toBe(10);
    expect(ttr.candidate.interval).toEqual({ low: 10, high: 10 });
    expect(rows.every((r) => r.casesNeeded === 0)).toBe(true);
  });

  it("finds no difference between identical versions", () => {
    const v = tally(
      { opened: 120, resolvedAutonomous: 90, escalated: 12, errored: 3, handedToPerson: 40, slaBreached: 4 },
      [
        [15, 60],
        [45, 40],
      ],
    );
    const rows = compareVersions(v, v);
    expect(rows.map((r) => r.verdict)).toEqual(Array(5).fill("no difference yet"));
    expect(rows.map((r) => r.change!.difference)).toEqual([0, 0, 0, 0, 0]);
  });

  it("says not enough cases, and how many more, below the minimum sample", () => {
    const few = tally({ opened: 12, resolvedAutonomous: 12, handedToPerson: 0 }, [[5, 12]]);
    const many = tally({ opened: 300, resolvedAutonomous: 30, handedToPerson: 100 }, [[600, 30]]);
    const rows = compareVersions(many, few);
    expect(DEFAULT_MINIMUM_SAMPLE).toBe(30);
    expect(row(rows, "autonomousResolutionRate")).toMatchObject({ verdict: "not enough cases", casesNeeded: 18 });
    expect(row(rows, "slaBreachRate")).toMatchObject({ verdict: "not enough cases", casesNeeded: 30, change: null });
    expect(row(rows, "slaBreachRate").candidate).toEqual({ value: null, interval: null, sample: 0 });
    expect(row(rows, "medianMinutesToResolution")).toMatchObject({ verdict: "not enough cases", casesNeeded: 18 });
  });

  it("takes a declared minimum sample", () => {
    const v1 = tally({ opened: 12, resolvedAutonomous: 0 });
    const v2 = tally({ opened: 12, resolvedAutonomous: 12 });
    expect(row(compareVersions(v1, v2), "autonomousResolutionRate").verdict).toBe("not enough cases");
    expect(row(compareVersions(v1, v2, { minimumSample: 10 }), "autonomousResolutionRate").verdict).toBe("better");
  });

  it("has no figures and no verdict for versions without cases", () => {
    const rows = compareVersions(emptyTally(), emptyTally());
    for (const r of rows) {
      expect(r).toMatchObject({ verdict: "not enough cases", casesNeeded: 30, change: null });
      expect(r.baseline).toEqual({ value: null, interval: null, sample: 0 });
    }
  });
});
