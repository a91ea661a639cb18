import { describe, expect, it } from "vitest";
import { conversationOf } from "../engine/index.ts";
import { CHAT_RATE, chatEnvelope, handoverFrame, newChatSocketState, newLines, readChatFrame } from "./chat.ts";
import type { CaseHeader } from "./storage.ts";

const header = (overrides: Partial<CaseHeader> = {}) =>
  ({
    caseId: "customer-onboarding@2/customer:anna@example.de",
    caseKey: "customer:anna@example.de",
    workflowId: "customer-onboarding",
    workflowVersion: 4,
    status: "waiting",
    seq: 2,
    ...overrides,
  }) as CaseHeader;

describe("the chat socket's protocol", () => {
  it("reads a message, refuses what is not one, and limits each socket to its window", () => {
    const state = newChatSocketState(0);
    expect(readChatFrame(JSON.stringify({ type: "message", text: "  Hallo?  " }), state, 0)).toEqual({
      text: "Hallo?",
    });
    expect(readChatFrame("not json", state, 1)).toMatchObject({ error: { code: "invalid_frame" } });
    expect(readChatFrame(JSON.stringify({ type: "message", text: " " }), state, 2)).toMatchObject({
      error: { code: "invalid_frame" },
    });
    for (let i = 3; i < CHAT_RATE.messages; i++)
      readChatFrame(JSON.stringify({ type: "message", text: "x" }), state, i);
    expect(readChatFrame(JSON.stringify({ type: "message", text: "x" }), state, 9)).toMatchObject({
      error: { code: "rate_limited" },
    });
    // A new window: allowed again.
    expect(readChatFrame(JSON.stringify({ type: "message", text: "x" }), state, CHAT_RATE.windowMs)).toEqual({
      text: "x",
    });
  });

  it("makes a message the case's chat event, naming its conversation, and refuses an ended case", () => {
    const built = chatEnvelope(header(), "Welche Formate?", "m-1", 42);
    expect(built).toMatchObject({
      envelope: {
        id: "chat:m-1",
        source: "chat",
        type: "message.received",
        caseKey: "customer:anna@example.de",
        workflow: { id: "customer-onboarding", version: 4 },
        opens: false,
        caseSeq: 2,
        receivedAt: 42,
      },
    });
    const payload = JSON.parse((built as { envelope: { payloadJson: string } }).envelope.payloadJson);
    expect(payload).toEqual({
      channel: "chat",
      conversation: conversationOf("customer-onboarding", "customer:anna@example.de", 2).token,
      caseKey: "customer:anna@example.de",
      text: "Welche Formate?",
    });
    expect(chatEnvelope(header({ status: "resolved" }), "x", "m-2", 1)).toMatchObject({
      error: { code: "case_ended" },
    });
    expect(chatEnvelope(null, "x", "m-3", 1)).toMatchObject({ error: { code: "no_case" } });
  });

  it("sends each socket only the lines recorded since its mark, even one recorded late with an earlier time", () => {
    const state = newChatSocketState(0);
    const ask = { id: "document-0-again", output: { channel: "email", text: "Bitte.", sent: {} }, finishedAt: 10 };
    const question = {
      seq: 2,
      source: "chat",
      type: "message.received",
      payload: { channel: "chat", text: "Formate?" },
      receivedAt: 20,
    };
    const answer = { id: "document-0-question-2:reply", output: { channel: "chat", text: "PDF." }, finishedAt: 30 };
    // An email stamped when its request came in (25), stored after the answer (30) was already sent.
    const email = {
      seq: 3,
      source: "resend",
      type: "email.received",
      payload: { data: { text: "Danke" } },
      receivedAt: 25,
    };
    const ids = (frame: ReturnType<typeof newLines>) => (frame?.type === "lines" ? frame.lines.map((l) => l.id) : null);
    expect(ids(newLines({ events: [], steps: [ask] as never }, state))).toEqual(["step:document-0-again"]);
    expect(newLines({ events: [], steps: [ask] as never }, state)).toBeNull();
    expect(ids(newLines({ events: [question] as never, steps: [ask, answer] as never }, state))).toEqual([
      "event:2",
      "step:document-0-question-2:reply",
    ]);
    expect(ids(newLines({ events: [question, email] as never, steps: [ask, answer] as never }, state))).toEqual([
      "event:3",
    ]);
    expect(newLines(null, state)).toBeNull();
  });

  it("tells the page when the case waits for a person, and only then", () => {
    const waiting = (kind: string) => ({ header: header({ wait: { kind } as CaseHeader["wait"] }) });
    expect(handoverFrame(waiting("human"))).toMatchObject({ type: "handover" });
    expect(handoverFrame(waiting("event"))).toBeNull();
    expect(handoverFrame({ header: header({ wait: null }) })).toBeNull();
    expect(handoverFrame(null)).toBeNull();
  });
});
