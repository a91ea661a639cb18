/** The header-only catalogue the dashboard and scripts read describes exactly the deployed workflow versions. */
import { describe, expect, it } from "vitest";
import { CATALOGUE, catalogued } from "./catalogue.ts";
import { WORKFLOWS } from "./index.ts";

const HEADER_FIELDS = ["minutesPerCase", "minutesPerDecision", "routineSteps", "systems", "sla"] as const;

describe("workflow catalogue", () => {
  it("lists every deployed version once, in the order they are deployed, with the header its workflow runs with", () => {
    expect(CATALOGUE.map((e) => `${e.id}@${e.version}`)).toEqual(WORKFLOWS.map((w) => `${w.id}@${w.version}`));
    for (const workflow of WORKFLOWS) {
      const entry = catalogued(workflow.id, workflow.version);
      for (const field of HEADER_FIELDS)
        expect(workflow[field], `${workflow.id}@${workflow.version} ${field}`).toEqual(entry[field]);
    }
  });

  it("refuses a version it does not list", () => {
    expect(() => catalogued("refund-dispute", 99)).toThrow(
      /refund-dispute v99 is not in workers\/workflows\/catalogue.ts/,
    );
  });
});
