/**
 * Step 1 of the onboarding: each document is read when its upload carries the file (document-reading.ts: its fields
 * beside the application's decide, whatever form it came in), else compliance checks its format. A wrong format is asked for again, once, and the reply's
 * attachment is checked like the original; a reply without one may be a question, answered from the case facts (or
 * by a person) before the case waits again.
 */

import type { DocumentComparison } from "../../agent/documents/compare.ts";
import { complianceClient, complianceConfig } from "../../connectors/compliance/client.ts";
import type { Outcome, WorkflowContext } from "../../engine/index.ts";
import type { Application } from "./application.ts";
import type { CustomerContact } from "./contact.ts";
import type { CustomerConversation } from "./conversation.ts";
import { documentEscalation, readAndJudge } from "./document-reading.ts";
import { ONBOARDING_QUEUE } from "./escalation.ts";
import type { Language } from "./language.ts";
import { documentAgain, stillWaiting } from "./messages.ts";
import { Answer, questionRules } from "./questions.ts";
import { attachmentOf, replyText } from "./replies.ts";

/** Resolves with the escalation that ends the case when a document never arrives in a form we accept, else undefined. */
export async function checkDocuments(
  app: Application,
  contact: CustomerContact,
  { step, agent, config }: Pick<WorkflowContext<unknown>, "step" | "agent" | "config">,
  conversation?: CustomerConversation,
): Promise<Outcome | undefined> {
  const compliance = () => complianceClient(complianceConfig(config));
  for (const [i, original] of app.documents.entries()) {
    let document = original;
    // The comparison the applicant was asked about: a reply that cannot be read then goes to a person, not to the
    // format check (a file's type says nothing about whose document it is).
    let askedAbout: DocumentComparison | null = null;
    for (let round = 0; ; round++) {
      // An upload with its content is read: its fields decide, whatever form it came in.
      const { content } = document;
      const read = content
        ? await readAndJudge(`document-${i}-${round}`, app, { ...document, content }, { step, agent, config })
        : null;
      if (read?.next === "accepted") break;
      if (read?.next === "refer")
        return step.escalate(`document-${i}-referred`, documentEscalation(read.reason, read.comparison));
      if (read?.next === "ask" && round === 1)
        return step.escalate(
          `document-${i}-still-not-matching`,
          documentEscalation(`the ${original.type} sent again does not match either`, read.comparison),
        );
      if (!read && askedAbout)
        return step.escalate(
          `document-${i}-still-not-matching`,
          documentEscalation(`the ${original.type} sent again could not be read`, askedAbout),
        );
      if (read?.next === "ask") askedAbout = read.comparison;
      // Not read (no content, or no text in it): the format check decides.
      const check = read
        ? null
        : await step.run(`document-${i}-check-${round}`, () => compliance().checkDocument(document));
      if (check?.status === "accepted") break;
      if (check && round === 1)
        return step.escalate(`document-${i}-still-rejected`, {
          reason: `the ${original.type} was rejected twice: ${check.reason}`,
          ...ONBOARDING_QUEUE,
        });
      const subject = `Your ${original.type}`;
      const rejectedBecause = read?.comparison.differences.join("; ") ?? check?.reason;
      // Version 4 on: questions meanwhile are answered from the knowledge base while the ask keeps its deadlines, and
      // the reminder is written in the language the customer has written in by then.
      const formatAsk = (language: Language) => documentAgain[language](original.type, String(rejectedBecause));
      const askAgain = read?.next === "ask" ? read.message : formatAsk(conversation?.language ?? "en");
      conversation?.said(askAgain);
      let reply = await contact.ask(
        `document-${i}-again`,
        subject,
        askAgain,
        conversation && {
          interjections: conversation.interjections({
            subject,
            name: `document-${i}-question`,
            what: `${original.type} (PDF, JPEG or PNG, up to 10 MB)`,
            stillWaiting: (language) => stillWaiting.document[language](original.type),
            // A message with a file answers the documents ask.
            isReply: (message) => attachmentOf(message) !== undefined,
          }),
          ...(read?.next === "ask" ? {} : { reminder: () => formatAsk(conversation.language) }),
        },
      );
      for (let q = 0; !conversation && reply && !attachmentOf(reply) && q < 2; q++) {
        const answer = await agent(`document-${i}-question-${q}`, {
          instructions:
            "Answer the customer's question about their onboarding from the case facts only. If the facts do not answer it, decide `escalate`.",
          promptVersion: "onboarding-question-1",
          context: {
            waitingFor: `${original.type} as PDF, JPEG or PNG, at most 10 MB`,
            rejectedBecause,
            plan: app.plan,
            country: app.country,
          },
          data: [{ label: "customer email", text: replyText(reply) }],
          decision: Answer,
          heuristics: questionRules,
          guardrails: { minConfidence: 0.8, maxToolCalls: 0 },
          escalation: { ...ONBOARDING_QUEUE, sla: "4h" },
        });
        await step.run(`document-${i}-answer-${q}`, (ctx) => contact.send(`Re: ${subject}`, answer.answer, ctx));
        reply = await step.waitFor(`document-${i}-after-answer-${q}`, contact.channel(subject).reply, {
          timeout: "72h",
        });
      }
      if (!reply)
        return step.escalate(`document-${i}-no-reply`, {
          reason: `no new ${original.type} within 72 h`,
          tried: [`asked by ${contact.by}, reminded after 24 h`],
          ...ONBOARDING_QUEUE,
        });
      const attachment = attachmentOf(reply);
      document = {
        type: original.type,
        fileName: attachment?.filename ?? "",
        contentType: attachment?.content_type ?? "none",
        sizeBytes: attachment?.size ?? 0,
        ...(attachment?.content ? { content: attachment.content } : {}),
      };
    }
  }
  return undefined;
}
