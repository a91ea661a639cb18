/** The header-only catalogue the dashboard and scripts read describes exactly the deployed workflow versions. */
import { describe, expect, it } from "vitest";
import { CATALOGUE, catalogued, declaredOutcomes } from "./catalogue.ts";
import { WORKFLOWS } from "./index.ts";

const HEADER_FIELDS = [
  "minutesPerCase",
  "minutesPerDecision",
  "routineSteps",
  "systems",
  "sla",
  "outcomes",
  "policies",
] as const;

describe("workflow catalogue", () => {
  it("lists every deployed version once, in the order they are deployed, with the header its workflow runs with", () => {
    expect(CATALOGUE.map((e) => `${e.id}@${e.version}`)).toEqual(WORKFLOWS.map((w) => `${w.id}@${w.version}`));
    for (const workflow of WORKFLOWS) {
      const entry = catalogued(workflow.id, workflow.version);
      for (const field of HEADER_FIELDS)
        expect(workflow[field], `${workflow.id}@${workflow.version} ${field}`).toEqual(entry[field]);
    }
  });

  it("declares for every workflow the outcomes a person may close its escalations with, in words", () => {
    for (const entry of CATALOGUE) {
      expect(entry.outcomes?.length, `${entry.id}@${entry.version}`).toBeGreaterThan(1);
      for (const o of entry.outcomes ?? []) {
        expect(o.label).toMatch(/^[a-z0-9][a-z0-9-]{0,79}$/);
        expect(o.words.length).toBeGreaterThan(2);
      }
    }
    expect(declaredOutcomes("customer-onboarding", 3)?.map((o) => o.label)).toContain("onboarded-manually");
    expect(declaredOutcomes("refund-dispute", 1)?.map((o) => o.label)).toContain("refunded-manually");
  });

  it("refuses a version it does not list", () => {
    expect(() => catalogued("refund-dispute", 99)).toThrow(
      /refund-dispute v99 is not in workers\/workflows\/catalogue.ts/,
    );
  });
});
