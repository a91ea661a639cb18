/**
 * The onboarding's conversation with its customer (version 4 on): the case's language, the conversation so far, and
 * what a pending ask does with a message that is not its reply. Such a message is answered by an agent step from the
 * case's facts and the knowledge base, in the customer's language, citing the passages it used; a question the
 * knowledge base does not cover, a request for a person, anger or a legal threat goes to a person with the
 * conversation in the packet. The ask keeps waiting meanwhile (its reminder and timeout unchanged: engine's ask).
 * Everything here is rebuilt by replay in the same order (each message's steps are named after its sequence number).
 */
import { CHAT_SOURCE } from "../../connectors/chat/events.ts";
import type { AskInterjections, CaseEvent, WorkflowContext } from "../../engine/index.ts";
import { ANSWER_INSTRUCTIONS, answerRules, KbAnswer, ungrounded } from "./answers.ts";
import type { Application } from "./application.ts";
import type { CustomerContact } from "./contact.ts";
import { ONBOARDING_QUEUE } from "./escalation.ts";
import { knowledgeBaseIn } from "./knowledge-base/index.ts";
import { detectLanguage, type Language, languageOfCountry } from "./language.ts";
import { replyText } from "./replies.ts";

/** One message of the conversation, as the packet and the model's context show it. */
export interface ConversationLine {
  from: "customer" | "us";
  text: string;
  /** The passages an answer of ours cited. */
  citations?: string[];
}

export interface CustomerConversation {
  /** The language the case writes in: the application's country's at first, then the customer's last message's. */
  readonly language: Language;
  readonly lines: readonly ConversationLine[];
  /** Notes a message of ours (an ask) in the conversation. */
  said(text: string): void;
  /** What a pending ask does with the customer's other messages (see `PendingAsk`). */
  interjections(ask: PendingAsk): AskInterjections;
}

/** An ask that waits while the customer may write about other things. */
export interface PendingAsk {
  subject: string;
  /** Each message's steps are `<name>-<seq>` (its sequence number in the case: the same on every replay). */
  name: string;
  /** What the ask waits for, in words for the person a conversation goes to (e.g. "consent to eu-west"). */
  what: string;
  /** The sentence that ends an answer meanwhile: what the case still waits for, in the customer's language. */
  stillWaiting(language: Language): string;
  /** Whether a message is the reply the ask waits for (one that also asks something, a "?", is answered first). */
  isReply(message: CaseEvent): boolean;
}

type Kit = Pick<WorkflowContext<unknown>, "step" | "agent">;

export function customerConversation(
  app: Application,
  contact: CustomerContact,
  { step, agent }: Kit,
  startLanguage: Language,
): CustomerConversation {
  const lines: ConversationLine[] = [];
  let language = startLanguage;

  const answer = async (message: CaseEvent, stepId: string, ask: PendingAsk) => {
    const text = replyText(message);
    // The country's language is the prior until the customer has written; then the language they write in.
    const prior = lines.some((l) => l.from === "customer") ? language : languageOfCountry(app.country);
    const detected = await step.decide(`${stepId}:language`, () => {
      const d = detectLanguage(text, prior);
      const rationale = d.hits > 0 ? `${d.hits} common ${d.language} words` : `no word recognised: kept ${prior}`;
      return { decision: d.language, rationale, scores: d.scores };
    });
    language = detected.decision;
    lines.push({ from: "customer", text });
    // The agent escalates by itself (an uncovered question, a request for a person, anger, a legal threat, low
    // confidence): its packet quotes the conversation so far (its `data`).
    const reply = await agent(stepId, {
      // The knowledge base is ours (trusted) and versioned with the workflow: it goes with the instructions.
      instructions: `${ANSWER_INSTRUCTIONS}\n\nKnowledge base:\n${JSON.stringify(knowledgeBaseIn(language))}`,
      promptVersion: "onboarding-kb-answer-1",
      context: {
        language,
        waitingFor: ask.what,
        stillWaiting: ask.stillWaiting(language),
        plan: app.plan,
        country: app.country,
      },
      // The conversation so far, the customer's last message last: quoted, never instructions.
      data: lines.map((l, i) => ({
        label: l.from === "us" ? "our message" : i === lines.length - 1 ? "customer message" : "customer, earlier",
        text: l.text,
      })),
      decision: KbAnswer,
      heuristics: answerRules,
      guardrails: { minConfidence: 0.8, maxToolCalls: 0 },
      escalation: { ...ONBOARDING_QUEUE, sla: "4h", turn: { outcome: "escalated", language } },
    });
    // Held to the knowledge base whoever wrote it (the offline rules or an LLM): audited as the rule's decision.
    const check = await step.decide(`${stepId}:grounded`, () => {
      const problem = ungrounded(reply);
      const citations = reply.citations;
      return problem
        ? { decision: "withheld" as const, rationale: problem, citations, turn: { outcome: "withheld", language } }
        : {
            decision: "send" as const,
            rationale: `cites ${citations.join(", ")}`,
            citations,
            turn: { outcome: "answered", language, citations },
          };
    });
    if (check.decision === "withheld")
      return step.escalate(`${stepId}:withheld`, {
        reason: `the answer written for the customer was not sent: ${check.rationale}`,
        evidence: { conversation: [...lines], draft: reply.answer, language, waitingFor: ask.what },
        ...ONBOARDING_QUEUE,
        sla: "4h",
      });
    // A chat message is answered in the chat: the recorded text is what the case pushes to the customer's page.
    await step.run(`${stepId}:reply`, (ctx) =>
      message.source === CHAT_SOURCE
        ? { channel: "chat", text: reply.answer, citations: reply.citations }
        : contact.send(`Re: ${ask.subject}`, reply.answer, ctx),
    );
    lines.push({ from: "us", text: reply.answer, citations: reply.citations });
  };

  return {
    get language() {
      return language;
    },
    lines,
    said: (text) => lines.push({ from: "us", text }),
    interjections: (ask) => ({
      classify: (message) =>
        ask.isReply(message) ? (replyText(message).includes("?") ? "both" : "reply") : "interjection",
      answer: (message) => answer(message, `${ask.name}-${message.seq}`, ask),
      max: 6,
    }),
  };
}
