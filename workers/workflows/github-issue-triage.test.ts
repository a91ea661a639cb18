import { describe, expect, it } from "vitest";
import { classifyIssue } from "./github-issue-triage.ts";

describe("classifyIssue", () => {
  it("labels from the title and body", () => {
    expect(classifyIssue({ number: 1, title: "App crashes on start" })).toEqual(["bug"]);
    expect(classifyIssue({ number: 2, title: "How do I export?", body: null })).toEqual(["question"]);
    expect(classifyIssue({ number: 3, title: "Feature: add support for SEPA", body: "Security of mandates" })).toEqual([
      "feature",
      "security",
    ]);
  });

  it("falls back to needs-triage when nothing matches", () => {
    expect(classifyIssue({ number: 4, title: "Hello" })).toEqual(["needs-triage"]);
  });
});
