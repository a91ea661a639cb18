/**
 * Step 1 of the onboarding: compliance checks each document. A wrong format is asked for again, once, and the reply's
 * attachment is checked like the original; a reply without one may be a question, answered from the case facts (or
 * by a person) before the case waits again.
 */
import { complianceClient, complianceConfig } from "../../connectors/compliance/client.ts";
import type { Outcome, WorkflowContext } from "../../engine/index.ts";
import type { Application } from "./application.ts";
import type { CustomerContact } from "./contact.ts";
import { ONBOARDING_QUEUE } from "./escalation.ts";
import { Answer, questionRules } from "./questions.ts";
import { attachmentOf, replyText } from "./replies.ts";

/** Resolves with the escalation that ends the case when a document never arrives in a form we accept, else undefined. */
export async function checkDocuments(
  app: Application,
  contact: CustomerContact,
  { step, agent, config }: Pick<WorkflowContext<unknown>, "step" | "agent" | "config">,
): Promise<Outcome | undefined> {
  const compliance = () => complianceClient(complianceConfig(config));
  for (const [i, original] of app.documents.entries()) {
    let document = original;
    for (let round = 0; ; round++) {
      const check = await step.run(`document-${i}-check-${round}`, () => compliance().checkDocument(document));
      if (check.status === "accepted") break;
      if (round === 1)
        return step.escalate(`document-${i}-still-rejected`, {
          reason: `the ${original.type} was rejected twice: ${check.reason}`,
          ...ONBOARDING_QUEUE,
        });
      const subject = `Your ${original.type}`;
      let reply = await contact.ask(
        `document-${i}-again`,
        subject,
        `We could not accept your ${original.type}: ${check.reason}. Please reply with it attached.`,
      );
      for (let q = 0; reply && !attachmentOf(reply) && q < 2; q++) {
        const answer = await agent(`document-${i}-question-${q}`, {
          instructions:
            "Answer the customer's question about their onboarding from the case facts only. If the facts do not answer it, decide `escalate`.",
          promptVersion: "onboarding-question-1",
          context: {
            waitingFor: `${original.type} as PDF, JPEG or PNG, at most 10 MB`,
            rejectedBecause: check.reason,
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
      };
    }
  }
  return undefined;
}
