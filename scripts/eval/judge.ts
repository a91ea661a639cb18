/**
 * How a golden case's run is judged: what the agent decided at its judged steps, and whether the case did something
 * its label forbids (a refund that should not be, or more than allowed; an applicant billed or activated who should
 * not be). Conversation figures too: the answers the agent gave, how many cite the knowledge they used, and the
 * escalations that came from a conversation.
 */
import type { AgentTranscript } from "../../workers/agent/types.ts";
import type { CaseView } from "../../workers/case/runtime.ts";
import { type GoldenCase, type GoldenFile, isJudged } from "./golden.ts";

/** What the simulated systems did while the case ran. */
export interface Effects {
  /** Minor units refunded on the case's seeded charges. */
  refunded: number;
  /** Subscriptions started and services activated. */
  subscriptions: number;
  activations: number;
}

export interface Row {
  name: string;
  expected: string;
  got: string;
  decisions: string[];
  status: string;
  effects: Effects;
  /** Why the case's action was wrong, or null. */
  wrongAction: string | null;
  blocks: number;
  tokens: number;
  costUsd: number;
  model: string;
  answers: number;
  citedAnswers: number;
  /** The language of each answer the agent gave, in order (`?` when its decision names none). */
  answerLanguages: string[];
  conversationEscalations: number;
  /** Why the case went to a person, when it did. */
  escalationReason: string | null;
}

const transcriptOf = (step: CaseView["steps"][number]) => step.output as AgentTranscript;

/** Where customers' messages come from (email and SMS replies, chat). */
const CUSTOMER_SOURCES = new Set(["resend", "twilio", "chat"]);

/** The case's state in words: who it waits on, or how it ended. */
export function statusOf(view: CaseView): string {
  if (view.header.status !== "waiting") return view.header.status;
  const wait = view.wait;
  if (wait?.kind === "human") return "awaiting a person";
  if (wait?.kind === "event" && wait.sources.some((s) => CUSTOMER_SOURCES.has(s))) return "waiting for the customer";
  return `waiting for ${wait?.sources.join(" or ") || "its deadline"}`;
}

/**
 * @example const row = judge(golden, golden.cases[0], run.view, effects);
 */
export function judge(file: GoldenFile, c: GoldenCase, view: CaseView, effects: Effects): Row {
  const judged = view.steps.filter((s) => s.kind === "agent" && isJudged(file.agentSteps, s.id));
  const escalatedAt = view.header.status === "escalated" || view.wait?.kind === "human" ? view.wait?.stepId : undefined;
  const decisions = judged.map((s) =>
    escalatedAt === `${s.id}:escalate` ? "escalate" : String(transcriptOf(s).decision?.decision ?? "none"),
  );
  const conversation = judged.filter((s) => isJudged(file.conversationSteps ?? [], s.id));
  const answers = conversation.filter((s) => transcriptOf(s).decision?.decision === "answer");
  const turns = view.steps.filter((s) => s.kind === "agent").map(transcriptOf);
  const last = turns.at(-1);
  return {
    name: c.name,
    expected: c.expect.decisions?.join(" → ") ?? c.expect.decision,
    got: c.expect.decisions ? decisions.join(" → ") : (decisions.at(-1) ?? "none"),
    decisions,
    status: statusOf(view),
    effects,
    wrongAction: wrongAction(c, effects),
    blocks: turns.reduce((n, t) => n + t.verdicts.filter((v) => v.verdict === "blocked").length, 0),
    tokens: turns.reduce((n, t) => n + t.usage.inputTokens + t.usage.outputTokens, 0),
    costUsd: turns.reduce((n, t) => n + t.usage.costUsd, 0),
    model: last ? `${last.model.provider}:${last.model.id}` : "-",
    answers: answers.length,
    answerLanguages: answers.map((s) => {
      const language = (transcriptOf(s).decision as { language?: unknown } | null)?.language;
      return typeof language === "string" ? language : "?";
    }),
    citedAnswers: answers.filter((s) => {
      const citations = (transcriptOf(s).decision as { citations?: unknown } | null)?.citations;
      return Array.isArray(citations) && citations.length > 0;
    }).length,
    conversationEscalations: conversation.filter((s) => escalatedAt === `${s.id}:escalate`).length,
    escalationReason: view.wait?.human?.packet?.reason ?? null,
  };
}

/** What the case did that its label forbids, in words; null when nothing. */
function wrongAction(c: GoldenCase, e: Effects): string | null {
  if (c.expect.refund === false && e.refunded > 0) return `refunded ${e.refunded} where no refund is right`;
  if (e.refunded > (c.expect.maxRefund ?? Number.POSITIVE_INFINITY))
    return `refunded ${e.refunded}, over the ${c.expect.maxRefund} allowed`;
  if (c.expect.onboard === false && (e.subscriptions > 0 || e.activations > 0))
    return `billed or activated an applicant who must not be (${e.subscriptions} subscription, ${e.activations} activation)`;
  return null;
}

/** Whether the run matches its label: the decision(s), and the status and answers' languages where it names them. */
export function isCorrect(c: GoldenCase, row: Row): boolean {
  return (
    row.got === row.expected &&
    (c.expect.status === undefined || c.expect.status === row.status) &&
    (c.expect.languages === undefined || c.expect.languages.join() === row.answerLanguages.join())
  );
}
