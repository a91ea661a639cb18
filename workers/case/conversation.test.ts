import { describe, expect, it } from "vitest";
import { conversationLines } from "./conversation.ts";

describe("conversationLines", () => {
  it("reads the customer's messages from the events and ours from the steps that sent them, in time order", () => {
    const events = [
      { seq: 1, source: "onboarding-form", type: "application.submitted", payload: {}, receivedAt: 1 },
      {
        seq: 2,
        source: "chat",
        type: "message.received",
        payload: { channel: "chat", text: "Formate?" },
        receivedAt: 20,
      },
      { seq: 3, source: "resend", type: "email.received", payload: { data: { text: "Und Daten?" } }, receivedAt: 40 },
    ];
    const steps = [
      { id: "crm-contact", output: { id: "c1" }, finishedAt: 5 },
      { id: "document-0-again", output: { channel: "email", text: "Bitte senden.", sent: {} }, finishedAt: 10 },
      {
        id: "document-0-question-2",
        output: { decision: { decision: "answer", answer: "PDF.", citations: ["kb.a"] } },
        finishedAt: 25,
      },
      {
        id: "document-0-question-2:reply",
        output: { channel: "chat", text: "PDF.", citations: ["kb.a"] },
        finishedAt: 26,
      },
      {
        id: "document-0-question-3",
        output: { decision: { decision: "answer", answer: "EU.", citations: ["kb.b"] } },
        finishedAt: 45,
      },
      { id: "document-0-question-3:reply", output: { id: "email-9" }, finishedAt: 46 },
    ];
    expect(conversationLines(events, steps).map((l) => [l.id, l.from, l.channel, l.text, l.citations])).toEqual([
      ["step:document-0-again", "us", "email", "Bitte senden.", undefined],
      ["event:2", "customer", "chat", "Formate?", undefined],
      ["step:document-0-question-2:reply", "us", "chat", "PDF.", ["kb.a"]],
      ["event:3", "customer", "email", "Und Daten?", undefined],
      ["step:document-0-question-3:reply", "us", "message", "EU.", ["kb.b"]],
    ]);
  });
});
