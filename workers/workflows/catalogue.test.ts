/** The header-only catalogue the dashboard and scripts read describes exactly the deployed workflow versions. */
import { describe, expect, it } from "vitest";
import { CATALOGUE, catalogued, declaredOutcomes, exceptionWords } from "./catalogue.ts";
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

  it("names in words the exceptions the workflows' cases meet (the ones a month of demo traffic showed)", () => {
    const seen: Record<string, string[]> = {
      "customer-onboarding": [
        "payment-method:send",
        "document-0-again:send",
        "unsupported-market",
        "screening-hit",
        "screening-review:escalate",
        "activation-timeout",
        "document-0-check-0",
        "document-0-referred",
        "document-0-question-7:escalate",
      ],
      "refund-dispute": ["triage:escalate", "triage:approve:offline-1", "details:send", "load-charge"],
      "crm-deal-intake": ["incomplete-deal", "incomplete-opportunity", "no-contact", "no-account"],
    };
    for (const [workflow, types] of Object.entries(seen))
      for (const type of types) expect(exceptionWords(workflow, type), `${workflow} ${type}`).toMatch(/^[A-Z]/);
    expect(exceptionWords("customer-onboarding", "payment-method:send")).toBe(
      "Card declined: asked for another payment method",
    );
    // A workflow that declares input problems names its exceptions too: readiness's data quality lists them in words.
    for (const entry of CATALOGUE)
      if (entry.inputProblems) expect(entry.exceptionWords?.length, `${entry.id} v${entry.version}`).toBeGreaterThan(0);
    expect(exceptionWords("github-issue-triage", "classify")).toBeNull();
  });

  it("refuses a version it does not list", () => {
    expect(() => catalogued("refund-dispute", 99)).toThrow(
      /refund-dispute v99 is not in workers\/workflows\/catalogue.ts/,
    );
  });
});
