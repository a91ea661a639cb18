import { describe, expect, it } from "vitest";
import { conversationOf } from "../engine/index.ts";
import { CHAT_RATE, chatEnvelope, newChatSocketState, newLines, readChatFrame } from "./chat.ts";
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

  it("sends each socket only the lines it has not seen", () => {
    const state = newChatSocketState(0);
    const line = (id: string) => ({ id, from: "us" as const, text: id, channel: "chat", at: 0 });
    expect(newLines([line("a")], state)).toEqual({ type: "lines", lines: [line("a")] });
    expect(newLines([line("a")], state)).toBeNull();
    expect(newLines([line("a"), line("b")], state)).toEqual({ type: "lines", lines: [line("b")] });
  });
});
