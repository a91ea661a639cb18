import { describe, expect, it } from "vitest";
import { exceptionWordsOf, matchesAnyStepPattern, matchesStepPattern } from "./step-patterns.ts";

describe("step id patterns", () => {
  it("match the whole id, `*` for any run of characters, everything else literal", () => {
    expect(matchesStepPattern("document-*-again:*", "document-0-again:send")).toBe(true);
    expect(matchesStepPattern("document-*-again:*", "document-12-again:reminder")).toBe(true);
    expect(matchesStepPattern("document-*-again:*", "document-0-again")).toBe(false);
    expect(matchesStepPattern("no-reply", "document-0-no-reply")).toBe(false);
    // A dot or a bracket in a pattern is itself, not a regular expression.
    expect(matchesStepPattern("a.b", "axb")).toBe(false);
    expect(matchesAnyStepPattern(["x", "details:*"], "details:send")).toBe(true);
    expect(matchesAnyStepPattern([], "details:send")).toBe(false);
  });

  it("name an exception by the first declaration that matches it, or not at all", () => {
    const words = [
      ["triage:approve:*", "Refund over the approval threshold"],
      ["triage:*", "Handed to a person by the agent"],
    ] as const;
    expect(exceptionWordsOf(words, "triage:approve:offline-1")).toBe("Refund over the approval threshold");
    expect(exceptionWordsOf(words, "triage:escalate")).toBe("Handed to a person by the agent");
    expect(exceptionWordsOf(words, "load-charge")).toBeNull();
    expect(exceptionWordsOf(undefined, "load-charge")).toBeNull();
  });
});
