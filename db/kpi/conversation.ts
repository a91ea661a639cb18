/**
 * The conversation measures (issue 20) per workflow × version: what became of the messages customers wrote while
 * their case waited (questions beside the reply an ask waits for). Answered without a person, answers withheld by
 * their grounding check (an answer must cite passages of the knowledge base that exist), handed to a person at once
 * (an uncovered question, a request for a person, anger, a legal threat), and the languages customers wrote in.
 * Read from `conversation_rollups` (what the dashboard shows) or recounted from case rows by the triggers' rules
 * (migration 0025): what `npm run kpi:verify` and the tests compare them with.
 */
import { sql } from "drizzle-orm";
import type { MetricsDatabase } from "../client.ts";
import { type CaseSnapshot, dayOf } from "../facts.ts";
import { type KpiFilter, whereOf } from "./rollups.ts";

/** Counts of one language's conversations, or a workflow version's in all. */
export interface ConversationCounts {
  /** Cases whose customer asked at least one question while the case waited. */
  cases: number;
  answered: number;
  withheld: number;
  escalated: number;
}

export interface ConversationTally extends ConversationCounts {
  workflowId: string;
  version: number;
  /** Per language the customer wrote in (ISO 639-1), most cases first. */
  languages: ({ language: string } & ConversationCounts)[];
}

/** A case row's header and conversation facts (null or absent: nobody asked, or the case reported before). */
export type ConversationCaseRow = Pick<CaseSnapshot, "workflowId" | "workflowVersion" | "openedAt"> & {
  questionsAnswered?: number | null;
  answersWithheld?: number | null;
  questionsEscalated?: number | null;
  conversationLanguage?: string | null;
};

/** The figures a manager reads: the questions, the share answered without a person, grounding, escalations. */
export interface ConversationFigures extends ConversationCounts {
  questions: number;
  /** Answered without a person ÷ questions. */
  answeredAloneRate: number | null;
  /** Answers that cited the knowledge base and were sent ÷ answers written (sent + withheld). */
  groundedRate: number | null;
  /** Handed to a person (at once or after a withheld answer) ÷ questions. */
  escalationRate: number | null;
  languages: ConversationTally["languages"];
}

/**
 * @example conversationFiguresOf(tally).answeredAloneRate // → 0.8: four of five questions answered without a person
 */
export function conversationFiguresOf(t: ConversationTally): ConversationFigures {
  const questions = t.answered + t.withheld + t.escalated;
  const written = t.answered + t.withheld;
  return {
    cases: t.cases,
    answered: t.answered,
    withheld: t.withheld,
    escalated: t.escalated,
    questions,
    answeredAloneRate: questions === 0 ? null : t.answered / questions,
    groundedRate: written === 0 ? null : t.answered / written,
    escalationRate: questions === 0 ? null : (t.withheld + t.escalated) / questions,
    languages: t.languages,
  };
}

const add = (into: ConversationCounts, from: ConversationCounts) => {
  into.cases += from.cases;
  into.answered += from.answered;
  into.withheld += from.withheld;
  into.escalated += from.escalated;
};
const zero = (): ConversationCounts => ({ cases: 0, answered: 0, withheld: 0, escalated: 0 });

class ConversationTallies {
  private readonly byKey = new Map<string, ConversationTally & { byLanguage: Map<string, ConversationCounts> }>();

  add(workflowId: string, version: number, language: string, counts: ConversationCounts): void {
    const key = `${workflowId}\u0000${version}`;
    let t = this.byKey.get(key);
    if (!t) {
      t = { workflowId, version, ...zero(), languages: [], byLanguage: new Map() };
      this.byKey.set(key, t);
    }
    add(t, counts);
    const mine = t.byLanguage.get(language) ?? zero();
    add(mine, counts);
    t.byLanguage.set(language, mine);
  }

  list(): ConversationTally[] {
    return [...this.byKey.values()]
      .filter((t) => t.cases !== 0)
      .map(({ byLanguage, ...t }) => ({
        ...t,
        languages: [...byLanguage]
          .filter(([, c]) => c.cases !== 0)
          .map(([language, c]) => ({ language, ...c }))
          .sort((a, b) => b.cases - a.cases || a.language.localeCompare(b.language)),
      }))
      .sort((a, b) => a.workflowId.localeCompare(b.workflowId) || a.version - b.version);
  }
}

/**
 * The conversation measures per workflow × version of the cases opened in the period, from `conversation_rollups`.
 * @example
 * const [v4] = await conversationFromRollups(db, { fromDay, toDay, workflowId: "customer-onboarding", version: 4 });
 */
export async function conversationFromRollups(db: MetricsDatabase, filter: KpiFilter): Promise<ConversationTally[]> {
  const rows = await db.all<{
    workflow_id: string;
    workflow_version: number;
    language: string;
    cases: number;
    answered: number;
    withheld: number;
    escalated: number;
  }>(sql`SELECT workflow_id, workflow_version, language, sum(cases) AS cases, sum(answered) AS answered,
    sum(withheld) AS withheld, sum(escalated) AS escalated
    FROM conversation_rollups WHERE ${whereOf(filter)} GROUP BY workflow_id, workflow_version, language`);
  const tallies = new ConversationTallies();
  for (const r of rows)
    tallies.add(r.workflow_id, Number(r.workflow_version), r.language, {
      cases: Number(r.cases),
      answered: Number(r.answered),
      withheld: Number(r.withheld),
      escalated: Number(r.escalated),
    });
  return tallies.list();
}

/**
 * The same figures recounted from case rows (the triggers' rules: counted when the customer's language is set).
 * @example
 * const recounted = conversationFromCases(rowsFromCaseObjects, { fromDay: 0, toDay: 1_000_000 });
 */
export function conversationFromCases(rows: readonly ConversationCaseRow[], filter: KpiFilter): ConversationTally[] {
  const tallies = new ConversationTallies();
  for (const c of rows) {
    if (c.conversationLanguage === undefined || c.conversationLanguage === null) continue;
    const day = dayOf(c.openedAt);
    if (day < filter.fromDay || day > filter.toDay) continue;
    if (filter.workflowId !== undefined && c.workflowId !== filter.workflowId) continue;
    if (filter.version !== undefined && c.workflowVersion !== filter.version) continue;
    tallies.add(c.workflowId, c.workflowVersion, c.conversationLanguage, {
      cases: 1,
      answered: c.questionsAnswered ?? 0,
      withheld: c.answersWithheld ?? 0,
      escalated: c.questionsEscalated ?? 0,
    });
  }
  return tallies.list();
}
