/**
 * Two workflows that talk to the same customer by SMS, keyed by their phone number, each from its own sender
 * (`TWILIO_FROM_SMS_THREAD_A` / `_B` in vitest.config.ts): what a company with, say, onboarding and billing lines
 * has. Each opens on a signed `provisioning` event, asks one question by SMS and resolves with the answer.
 */
import { smsChannel, smsReplies } from "../../workers/connectors/twilio/client.ts";
import { twilioWebhooks } from "../../workers/connectors/twilio/events.ts";
import { defineWorkflow, type WorkflowDefinition } from "../../workers/engine/index.ts";

const phoneKey = (e: { phone?: unknown }) => (typeof e?.phone === "string" ? `phone:${e.phone}` : null);
const fromKey = (e: { From?: unknown }) => (typeof e?.From === "string" ? `phone:${e.From}` : null);

function smsThread(id: string, question: string): WorkflowDefinition {
  return defineWorkflow<{ phone: string }>(
    {
      id,
      version: 1,
      minutesPerCase: 5,
      triggers: [
        { source: "provisioning", events: [`${id}.opened`], caseKey: phoneKey },
        twilioWebhooks.on("message.received", { caseKey: fromKey, opens: false, reply: smsReplies }),
      ],
    },
    async ({ input, step, config, conversation }) => {
      const reply = await step.ask("question", smsChannel(config, { to: input.phone }, conversation), question, {
        timeout: "1h",
      });
      return step.resolve(reply ? "answered" : "no-answer", {
        answer: (reply?.payload as { Body?: string } | undefined)?.Body ?? null,
      });
    },
  );
}

export const smsThreadA = smsThread("sms-thread-a", "Line A: reply YES to confirm your appointment.");
export const smsThreadB = smsThread("sms-thread-b", "Line B: reply YES to agree to the new terms.");
export const CONVERSATION_WORKFLOWS: readonly WorkflowDefinition[] = [smsThreadA, smsThreadB];
