import { describe, expect, it } from "vitest";
import { driveEngine, type EngineState, freshState } from "../../../test/support/drive-engine.ts";
import { type CaseEvent, defineWorkflow, type WorkflowDefinition } from "../index.ts";

const HOUR = 3_600_000;
const opener: CaseEvent = { seq: 1, id: "evt_open", source: "form", type: "signup", receivedAt: 0, payload: {} };
const message = (seq: number, text: string, at: number): CaseEvent => ({
  seq,
  id: `m${seq}`,
  source: "resend",
  type: "email.received",
  receivedAt: at,
  payload: { text },
});
const drive = (workflow: WorkflowDefinition, events: CaseEvent[], at: number, state: EngineState) =>
  driveEngine(workflow, events, at, state, { caseKey: "applicant:1", input: {} });

/** Asks for a passport; a message with "?" is a question answered by a step; "passport" in it makes it the reply. */
function passportCase(sent: string[]) {
  const email = {
    name: "email",
    send: (text: string) => {
      sent.push(text);
      return { id: `sent-${sent.length}` };
    },
    reply: { source: "resend", type: "email.received" },
  };
  const textOf = (m: CaseEvent) => String((m.payload as { text: string }).text);
  return defineWorkflow({ id: "passport", version: 1, minutesPerCase: 5, triggers: [] }, async ({ step }) => {
    const reply = await step.ask("passport", email, "Please send your passport.", {
      timeout: "72h",
      remindAfter: "24h",
      reminder: "Reminder: your passport.",
      interjections: {
        classify: (m) => {
          const question = textOf(m).includes("?");
          const answers = textOf(m).includes("passport");
          return question ? (answers ? "both" : "interjection") : "reply";
        },
        answer: (m, { stepId, earlier }) =>
          step.run(`${stepId}:answer`, () => {
            const text = `Answer to "${textOf(m)}" (after ${earlier.length} earlier)`;
            sent.push(text);
            return text;
          }),
      },
    });
    return step.resolve(reply ? `received:${textOf(reply)}` : "no-reply");
  });
}

describe("ask with interjections", () => {
  it("answers a question and keeps waiting: the reminder and the timeout stay measured from the first wait", async () => {
    const sent: string[] = [];
    const workflow = passportCase(sent);
    const state = freshState();
    expect(await drive(workflow, [opener], 0, state)).toMatchObject({
      kind: "waiting",
      wait: { stepId: "passport:reply", startedAt: 0, deadline: 24 * HOUR },
    });
    const q1 = message(2, "How long does it take?", 2 * HOUR);
    expect(await drive(workflow, [opener, q1], 2 * HOUR, state)).toMatchObject({
      kind: "waiting",
      wait: { stepId: "passport:reply-after-message-2", startedAt: 2 * HOUR, deadline: 24 * HOUR },
    });
    // The reminder goes out at 24 h as it would have without the question.
    expect(await drive(workflow, [opener, q1], 24 * HOUR, state)).toMatchObject({
      kind: "waiting",
      wait: { stepId: "passport:reply-after-reminder", deadline: 72 * HOUR },
    });
    const q2 = message(3, "Where is my data kept?", 30 * HOUR);
    expect(await drive(workflow, [opener, q1, q2], 30 * HOUR, state)).toMatchObject({
      kind: "waiting",
      wait: { stepId: "passport:reply-after-message-3", startedAt: 30 * HOUR, deadline: 72 * HOUR },
    });
    expect(await drive(workflow, [opener, q1, q2], 72 * HOUR, state)).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "no-reply" },
    });
    expect(sent).toEqual([
      "Please send your passport.",
      'Answer to "How long does it take?" (after 0 earlier)',
      "Reminder: your passport.",
      'Answer to "Where is my data kept?" (after 1 earlier)',
    ]);
    expect(state.completed.map((s) => s.id)).toEqual([
      "passport:send",
      "passport:reply",
      "passport:message-2:answer",
      "passport:reply-after-message-2",
      "passport:reminder",
      "passport:reply-after-reminder",
      "passport:message-3:answer",
      "passport:reply-after-message-3",
      "resolve:no-reply",
    ]);
  });

  it("returns the reply after answering questions, and a message that is both is answered and returned", async () => {
    const sent: string[] = [];
    const workflow = passportCase(sent);
    const state = freshState();
    await drive(workflow, [opener], 0, state);
    const q1 = message(2, "Do you take PNG?", HOUR);
    await drive(workflow, [opener, q1], HOUR, state);
    const both = message(3, "Here is my passport, is a scan fine?", 3 * HOUR);
    expect(await drive(workflow, [opener, q1, both], 3 * HOUR, state)).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "received:Here is my passport, is a scan fine?" },
    });
    expect(sent.at(-1)).toBe('Answer to "Here is my passport, is a scan fine?" (after 1 earlier)');
    expect(state.completed.find((s) => s.id === "passport:reply-after-message-2")?.eventSeq).toBe(3);
  });

  it("replays to the same step ids and waits without answering again", async () => {
    const sent: string[] = [];
    const workflow = passportCase(sent);
    const state = freshState();
    await drive(workflow, [opener], 0, state);
    const events = [opener, message(2, "Which plans?", HOUR), message(3, "And prices?", HOUR)];
    // Two questions in one burst: both answered in turn, then the ask waits on until the reminder.
    const parked = await drive(workflow, events, HOUR, state);
    expect(parked).toMatchObject({ kind: "waiting", wait: { stepId: "passport:reply-after-message-3" } });
    const journal = state.completed.map((s) => s.id);
    const sentBefore = sent.length;
    // A later burst (a replay from the journal, the clock moved on) reaches the same wait and sends nothing.
    const again = await drive(workflow, events, 2 * HOUR, { ...state, completed: [...state.completed] });
    expect(again).toMatchObject({
      kind: "waiting",
      wait: { stepId: "passport:reply-after-message-3", deadline: 24 * HOUR },
    });
    expect(sent.length).toBe(sentBefore);
    expect(journal).toEqual([
      "passport:send",
      "passport:reply",
      "passport:message-2:answer",
      "passport:reply-after-message-2",
      "passport:message-3:answer",
    ]);
  });

  it("takes the message after `max` interjections as the reply", async () => {
    const email = { name: "email", send: () => null, reply: { source: "resend", type: "email.received" } };
    const workflow = defineWorkflow({ id: "capped", version: 1, minutesPerCase: 5, triggers: [] }, async ({ step }) => {
      const reply = await step.ask("q", email, "Send it.", {
        timeout: "72h",
        interjections: { classify: () => "interjection", answer: async () => null, max: 1 },
      });
      return step.resolve(reply ? `reply-${reply.seq}` : "none");
    });
    const events = [opener, message(2, "a?", 1), message(3, "b?", 2)];
    expect(await drive(workflow, events, 5, freshState())).toMatchObject({
      kind: "resolved",
      outcome: { outcome: "reply-3" },
    });
  });
  it("writes a reminder given as a function when it is sent, after the interjections before it", async () => {
    const sent: string[] = [];
    const email = {
      name: "email",
      send: (text: string) => sent.push(text),
      reply: { source: "resend", type: "email.received" },
    };
    const workflow = defineWorkflow({ id: "lang", version: 1, minutesPerCase: 5, triggers: [] }, async ({ step }) => {
      let language = "en";
      const reply = await step.ask("passport", email, "Please send your passport.", {
        timeout: "72h",
        remindAfter: "24h",
        reminder: () => (language === "de" ? "Erinnerung: Ihr Reisepass." : "Reminder: your passport."),
        interjections: {
          classify: () => "interjection",
          answer: async (m, { stepId }) => {
            language = await step.run(`${stepId}:language`, () => String((m.payload as { lang: string }).lang));
          },
        },
      });
      return step.resolve(reply ? "reply" : "no-reply");
    });
    const state = freshState();
    await drive(workflow, [opener], 0, state);
    const german: CaseEvent = { ...message(2, "Wie lange dauert es?", HOUR), payload: { lang: "de" } };
    await drive(workflow, [opener, german], HOUR, state);
    await drive(workflow, [opener, german], 24 * HOUR, state);
    expect(sent).toEqual(["Please send your passport.", "Erinnerung: Ihr Reisepass."]);
    expect(state.completed.find((s) => s.id === "passport:reminder")?.output).toMatchObject({
      text: "Erinnerung: Ihr Reisepass.",
    });
  });
});
