import { describe, expect, it } from "vitest";
import { emptyTally, kpisOf } from "./index.ts";
import { assessReadiness, DEFAULT_THRESHOLDS } from "./readiness.ts";

const ruleChanges = (input: { versionsInPeriod: number; policyChangesInPeriod?: number; days?: number }) =>
  assessReadiness(
    { kpis: kpisOf(emptyTally()), days: input.days ?? 90, systems: [], ...input },
    DEFAULT_THRESHOLDS,
  ).factors.find((f) => f.name === "rule change frequency")!;

describe("readiness: rule change frequency", () => {
  it("counts a policy change within a quarter as changing rules, as it counts a new version", () => {
    expect(ruleChanges({ versionsInPeriod: 1 })).toMatchObject({
      level3: false,
      measured: "1 version and 0 policy changes in 90 days",
    });
    expect(ruleChanges({ versionsInPeriod: 1, policyChangesInPeriod: 2 })).toMatchObject({
      level3: true,
      measured: "1 version and 2 policy changes in 90 days",
    });
    expect(ruleChanges({ versionsInPeriod: 2, policyChangesInPeriod: 1 })).toMatchObject({
      level3: true,
      measured: "2 versions and 1 policy change in 90 days",
    });
  });

  it("does not call changes over a longer period than a quarter frequent", () => {
    expect(ruleChanges({ versionsInPeriod: 1, policyChangesInPeriod: 1, days: 180 }).level3).toBe(false);
  });
});

describe("readiness: data quality", () => {
  /** 40 cases opened: 6 asked again for a document, 1 referred for its document, 3 with a declined card. */
  const tally = () => {
    const t = emptyTally();
    t.opened = 40;
    t.exceptions.set("document-0-again:send", { cases: 6, humanMinutes: 0 });
    t.exceptions.set("document-0-referred", { cases: 1, humanMinutes: 15 });
    t.exceptions.set("payment-method:send", { cases: 3, humanMinutes: 0 });
    return t;
  };
  const quality = (inputProblems?: readonly string[]) =>
    assessReadiness(
      { kpis: kpisOf(tally()), days: 30, versionsInPeriod: 1, systems: [], inputProblems },
      DEFAULT_THRESHOLDS,
    ).factors.find((f) => f.name === "data quality")!;

  it("is the share of cases whose exception the workflow declares an input problem", () => {
    expect(quality(["document-*"])).toMatchObject({
      level3: true,
      measured: "17.5 % of cases arrived with a data problem (document-0-again:send 6, document-0-referred 1)",
    });
    // A declined card is not a data problem unless declared one.
    expect(quality(["payment-method:*"]).measured).toContain("7.5 %");
    expect(quality(["document-0-referred"])).toMatchObject({
      level3: false,
      measured: expect.stringContaining("2.5 %"),
    });
  });

  it("names the problems in the words the workflow declares for its exceptions", () => {
    const named = assessReadiness(
      {
        kpis: kpisOf(tally()),
        days: 30,
        versionsInPeriod: 1,
        systems: [],
        inputProblems: ["document-*"],
        exceptionWords: [["document-*-again:*", "Document refused: asked for again"]],
      },
      DEFAULT_THRESHOLDS,
    ).factors.find((f) => f.name === "data quality")!;
    expect(named.measured).toBe(
      "17.5 % of cases arrived with a data problem (Document refused: asked for again 6, document-0-referred 1)",
    );
  });

  it("says so when a workflow declares no input problems, and takes no side", () => {
    expect(quality()).toMatchObject({ level3: false, measured: "not declared for this workflow" });
  });
});
