import { describe, expect, it } from "vitest";
import { type CaseStatus, caseId, conversationOf, routeEvent } from "../engine/index.ts";
import { WORKFLOWS } from "../workflows/index.ts";
import { narrowReplies } from "./replies.ts";

const KEY = "customer:ana@example.com";
const config = { CROSSFLOW_EMAIL_FROM: "support@crossflow.test" };

/** The case directory's rows: case id → status and successor (absent: no such case). */
function heads(rows: Record<string, { status: CaseStatus; successor?: number }>) {
  return {
    head: async (id: string) =>
      rows[id] ? { status: rows[id]!.status, successor: rows[id]!.successor ?? null } : null,
  };
}

/** Ana's email, sent to `to` (a case's reply-to address, or the support inbox). */
async function route(to: string, rows: Record<string, { status: CaseStatus; successor?: number }>) {
  const payload = { type: "email.received", data: { from: "ana@example.com", to: [to], text: "YES" } };
  const result = await narrowReplies(
    routeEvent(WORKFLOWS, "resend", "email.received", payload),
    payload,
    heads(rows),
    config,
  );
  return {
    workflows: result.routes.map((r) => r.workflow.id),
    ambiguous: "ambiguous" in result ? result.ambiguous : null,
  };
}
const replyTo = (workflow: string, seq = 1) => `reply+${conversationOf(workflow, KEY, seq).token}@crossflow.test`;

describe("which case a customer's email answers", () => {
  const refundThenOnboarding = {
    [caseId("refund-dispute", KEY)]: { status: "resolved" as const, successor: 2 },
    [caseId("refund-dispute", KEY, 2)]: { status: "waiting" as const },
    [caseId("customer-onboarding", KEY)]: { status: "waiting" as const },
  };

  it("goes to the case its reply-to address names, and to no other", async () => {
    expect(await route(replyTo("refund-dispute", 2), refundThenOnboarding)).toEqual({
      workflows: ["refund-dispute"],
      ambiguous: null,
    });
    expect(await route(replyTo("customer-onboarding"), refundThenOnboarding)).toEqual({
      workflows: ["customer-onboarding"],
      ambiguous: null,
    });
  });

  it("hands a late answer to a case that has ended to a person, not to the key's next case", async () => {
    const { workflows, ambiguous } = await route(replyTo("refund-dispute", 1), refundThenOnboarding);
    expect(workflows).toEqual([]);
    expect(ambiguous?.reason).toMatch(/names a conversation that is not open \(refund-dispute\)/);
    expect([...ambiguous!.candidates].sort()).toEqual([
      caseId("customer-onboarding", KEY),
      caseId("refund-dispute", KEY, 2),
    ]);
  });

  it("goes to the customer's one open case when it names none, and to a person when several are open", async () => {
    expect(await route("support@crossflow.test", { [caseId("refund-dispute", KEY)]: { status: "waiting" } })).toEqual({
      workflows: ["refund-dispute"],
      ambiguous: null,
    });
    const several = await route("support@crossflow.test", refundThenOnboarding);
    expect(several.workflows).toEqual([]);
    expect(several.ambiguous?.reason).toMatch(/names no conversation and the customer has 2 open cases/);
  });

  it("leaves a message for a customer with no open case to the cases themselves (they refuse it: a dead letter with their reason)", async () => {
    const none = await route("support@crossflow.test", { [caseId("refund-dispute", KEY)]: { status: "resolved" } });
    expect(none.ambiguous).toBeNull();
    expect(none.workflows.sort()).toEqual(["customer-onboarding", "payment-recovery", "refund-dispute"]);
  });

  it("reads a key's newest case as the last one that opened when a successor was named but never opened", async () => {
    // The process stopped between naming case 2 and storing its first event: case 1 is still the newest.
    const rows = {
      [caseId("refund-dispute", KEY)]: { status: "resolved" as const, successor: 2 },
      [caseId("customer-onboarding", KEY)]: { status: "waiting" as const },
    };
    const { workflows, ambiguous } = await route(replyTo("refund-dispute", 1), rows);
    expect(workflows).toEqual([]);
    expect(ambiguous?.reason).toMatch(/names a conversation that is not open \(refund-dispute\)/);
    expect(ambiguous?.candidates).toEqual([caseId("customer-onboarding", KEY)]);
  });
});

describe("a customer's answer to a resolved case's satisfaction question", () => {
  /** The refund case resolved and waits for its survey's answer; the onboarding case is open or absent. */
  const rows = (onboarding: CaseStatus | null) => ({
    head: async (id: string) =>
      id === caseId("refund-dispute", KEY)
        ? { status: "resolved" as const, successor: null, wait: { stepId: "satisfaction:reply" } }
        : id === caseId("customer-onboarding", KEY) && onboarding
          ? { status: onboarding, successor: null }
          : null,
  });
  const send = async (to: string, onboarding: CaseStatus | null) => {
    const payload = { type: "email.received", data: { from: "ana@example.com", to: [to], text: "4" } };
    const result = await narrowReplies(
      routeEvent(WORKFLOWS, "resend", "email.received", payload),
      payload,
      rows(onboarding),
      config,
    );
    return result.routes.map((r) => r.workflow.id);
  };

  it("goes to the surveyed case when it is the customer's only conversation, or the one the message names", async () => {
    expect(await send("support@crossflow.test", null)).toEqual(["refund-dispute"]);
    expect(await send(replyTo("refund-dispute"), "waiting")).toEqual(["refund-dispute"]);
    expect(await send(replyTo("customer-onboarding"), "waiting")).toEqual(["customer-onboarding"]);
  });
});
