/**
 * Conversation measures: a case's counts from its audit trail (`conversation.turn` entries, escalations that carry a
 * turn), and the conversation rollups (migration 0025's triggers) equal to recounting the rows, on a real libSQL
 * endpoint, through inserts, a case's row moving on, and a deletion.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import type { MetricsDatabase } from "../client.ts";
import { type AuditedAction, caseFacts } from "../facts.ts";
import { cases } from "../schema.ts";
import { conversationFiguresOf, conversationFromCases, conversationFromRollups } from "./conversation.ts";

const measures = { minutesPerCase: 30 };

describe("conversation facts from the audit trail", () => {
  it("counts each message by what became of it, and keeps the language of the last", () => {
    const trail: AuditedAction[] = [
      { action: "step.completed", stepId: "documents-question-4:grounded", detail: { kind: "decide" } },
      {
        action: "conversation.turn",
        stepId: "documents-question-4:grounded",
        detail: { outcome: "answered", language: "de", citations: ["kb.formats"] },
      },
      {
        action: "conversation.turn",
        stepId: "documents-question-6:grounded",
        detail: { outcome: "answered", language: "de" },
      },
      {
        action: "conversation.turn",
        stepId: "documents-question-8:grounded",
        detail: { outcome: "withheld", language: "de" },
      },
      // The withheld answer's own escalation carries no turn: the message is counted once.
      { action: "case.escalated", stepId: "documents-question-8:withheld", detail: { queue: "onboarding" } },
    ];
    expect(caseFacts("escalated", trail, measures)).toMatchObject({
      questionsAnswered: 2,
      answersWithheld: 1,
      questionsEscalated: 0,
      conversationLanguage: "de",
    });
    const handedOver: AuditedAction[] = [
      {
        action: "case.escalated",
        stepId: "documents-question-9:escalate",
        detail: { queue: "onboarding", turn: { outcome: "escalated", language: "fr" } },
      },
    ];
    expect(caseFacts("escalated", [...trail, ...handedOver], measures)).toMatchObject({
      questionsAnswered: 2,
      answersWithheld: 1,
      questionsEscalated: 1,
      conversationLanguage: "fr",
    });
  });

  it("a case whose customer asked nothing has no language and no counts; a malformed turn is not counted", () => {
    const facts = caseFacts(
      "resolved",
      [{ action: "conversation.turn", detail: { outcome: "shrugged", language: "en" } }],
      measures,
    );
    expect(facts).toMatchObject({
      questionsAnswered: 0,
      answersWithheld: 0,
      questionsEscalated: 0,
      conversationLanguage: null,
    });
  });
});

const database = useMigratedDatabase("kpi-conversation");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

const DAY = 86_400_000;
const day = 20_200;

function row(n: number, over: Partial<typeof cases.$inferInsert>): typeof cases.$inferInsert {
  return {
    caseId: `customer-onboarding/c${n}`,
    caseKey: `c${n}`,
    workflowId: "customer-onboarding",
    workflowVersion: 4,
    status: "waiting",
    openedAt: day * DAY + n * 60_000,
    updatedAt: day * DAY + n * 60_000,
    closedAt: null,
    outcome: null,
    humanTouch: false,
    exception: null,
    questionsAnswered: 2,
    answersWithheld: 0,
    questionsEscalated: 0,
    conversationLanguage: "de",
    ...over,
  };
}

const range = { fromDay: day, toDay: day + 1 };
const normalise = (rows: (typeof cases.$inferInsert)[]) =>
  rows.map((r) => ({
    workflowId: r.workflowId,
    workflowVersion: r.workflowVersion,
    openedAt: r.openedAt,
    questionsAnswered: r.questionsAnswered ?? null,
    answersWithheld: r.answersWithheld ?? null,
    questionsEscalated: r.questionsEscalated ?? null,
    conversationLanguage: r.conversationLanguage ?? null,
  }));

describe("conversation rollups", () => {
  it("equal a recount of the case rows, per workflow, version and language, as rows change and go", async () => {
    const rows = [
      row(1, {}),
      row(2, { questionsAnswered: 1, questionsEscalated: 1, conversationLanguage: "fr" }),
      row(3, { questionsAnswered: 0, answersWithheld: 1, conversationLanguage: "de" }),
      row(4, { workflowVersion: 3, questionsAnswered: 1 }),
      // Nobody asked anything, a case reported before the measures existed, another period: not in these figures.
      row(5, { questionsAnswered: 0, conversationLanguage: null }),
      row(6, { questionsAnswered: null, answersWithheld: null, questionsEscalated: null, conversationLanguage: null }),
      row(7, { openedAt: (day + 5) * DAY }),
    ];
    await db.insert(cases).values(rows);
    expect(await conversationFromRollups(db, range)).toEqual(conversationFromCases(normalise(rows), range));
    const [v4] = await conversationFromRollups(db, { ...range, workflowId: "customer-onboarding", version: 4 });
    expect(conversationFiguresOf(v4!)).toEqual({
      cases: 3,
      answered: 3,
      withheld: 1,
      escalated: 1,
      questions: 5,
      answeredAloneRate: 3 / 5,
      groundedRate: 3 / 4,
      escalationRate: 2 / 5,
      languages: [
        { language: "de", cases: 2, answered: 2, withheld: 1, escalated: 0 },
        { language: "fr", cases: 1, answered: 1, withheld: 0, escalated: 1 },
      ],
    });

    // Case 1's customer writes again, in Dutch, and is handed to a person; case 2 is deleted (retention).
    const later = { questionsEscalated: 1, conversationLanguage: "nl" };
    await db.update(cases).set(later).where(eq(cases.caseId, "customer-onboarding/c1"));
    await db.delete(cases).where(eq(cases.caseId, "customer-onboarding/c2"));
    const now = rows
      .filter((r) => r.caseId !== "customer-onboarding/c2")
      .map((r) => (r.caseId === "customer-onboarding/c1" ? { ...r, ...later } : r));
    expect(await conversationFromRollups(db, range)).toEqual(conversationFromCases(normalise(now), range));
    const [after] = await conversationFromRollups(db, { ...range, workflowId: "customer-onboarding", version: 4 });
    expect(conversationFiguresOf(after!)).toMatchObject({
      cases: 2,
      questions: 4,
      answered: 2,
      withheld: 1,
      escalated: 1,
      languages: [
        { language: "de", cases: 1 },
        { language: "nl", cases: 1 },
      ],
    });
  });
});
