import { describe, expect, it } from "vitest";
import { WORKFLOWS } from "../workflows/index.ts";
import { routeEvent } from "./routing.ts";

describe("routeEvent", () => {
  const payload = { action: "opened", issue: { number: 42, title: "x" }, repository: { full_name: "acme/api" } };

  it("routes a declared trigger to its workflow with the extracted case key", () => {
    const route = routeEvent(WORKFLOWS, "github", "issues.opened", payload);
    expect(route?.workflow.id).toBe("github-issue-triage");
    expect(route?.caseKey).toBe("github:acme/api#42");
  });

  it("returns null for an event type no workflow declares", () => {
    expect(routeEvent(WORKFLOWS, "github", "push", payload)).toBeNull();
    expect(routeEvent(WORKFLOWS, "stripe", "issues.opened", payload)).toBeNull();
  });

  it("returns null when the payload lacks what the case key is built from", () => {
    expect(routeEvent(WORKFLOWS, "github", "issues.opened", { action: "opened", issue: {} })).toBeNull();
  });
});
