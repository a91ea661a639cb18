/** The Slack source's decision hook: which deliveries are a person's decision, and who that person is. */
import { describe, expect, it } from "vitest";
import { APPROVE_ACTION } from "./client.ts";
import { slack } from "./source.ts";

const value = JSON.stringify({
  workflow: "refund-dispute",
  caseKey: "customer:ada@example.com",
  step: "triage:approve:call-1",
});
const click = (user: string, actionId = APPROVE_ACTION) => ({
  id: "1337.42",
  type: "interaction.block_actions",
  payload: {
    type: "block_actions",
    trigger_id: "1337.42",
    team: { id: "T0ACME" },
    user: { id: user },
    actions: [{ type: "button", action_id: actionId, value }],
  },
});
const config = { SLACK_APPROVERS: JSON.stringify({ U0ANA: { id: "ana@ops", roles: ["operator"] } }) };

describe("Slack source: approval clicks are decisions", () => {
  it("reads a declared approver's click as their decision on the case's waiting step", () => {
    expect(slack.decision?.([click("U0ANA")], config)).toEqual({
      workflow: "refund-dispute",
      caseKey: "customer:ada@example.com",
      seq: undefined,
      step: "triage:approve:call-1",
      decision: "approve",
      id: "slack:1337.42",
      by: { actor: { id: "ana@ops", roles: ["operator"] } },
      note: "from Slack (U0ANA)",
    });
  });

  it("names an undeclared user's click as refused, for the case to audit under their Slack id", () => {
    expect(slack.decision?.([click("U0EVE")], config)?.by).toEqual({
      refused: "Slack user U0EVE is not a declared approver (SLACK_APPROVERS)",
      actorId: "slack:U0EVE",
    });
  });

  it("leaves another app's button, an event callback and a batch to be routed as usual", () => {
    expect(slack.decision?.([click("U0ANA", "other.app")], config)).toBeUndefined();
    expect(slack.decision?.([{ id: "Ev1", type: "message", payload: {} }], config)).toBeUndefined();
    expect(slack.decision?.([click("U0ANA"), click("U0ANA")], config)).toBeUndefined();
  });
});
