/**
 * The satisfaction survey a workflow declares (`WorkflowHeader.satisfaction`), run after its case resolved: one
 * question through the case's channel, one wait for the reply, a score read from it. Pure like `advanceCase`: given
 * the case's survey records (steps `satisfaction:*`, appended to its journal after the resolution, so the body's own
 * replay never reaches them) it does one new thing and says what the shell must persist. The body is never run again.
 */
import { attempt } from "./attempts.ts";
import { Replay, type ReplayInput } from "./replay.ts";
import { conversationOf } from "./routing.ts";
import { Suspend } from "./suspend.ts";
import type { CaseEvent, Outcome, RetryState, StepRecord } from "./types/case.ts";
import type { PendingWait } from "./types/human.ts";
import {
  type Channel,
  type SatisfactionSurvey,
  type SentQuestion,
  SURVEY_PREFIX,
  type WorkflowDefinition,
} from "./types/workflow.ts";

/** The survey's step ids: the prefix marks its records in the case's journal. */
export { SURVEY_PREFIX };
export const SURVEY_SEND = `${SURVEY_PREFIX}send`;
export const SURVEY_REPLY = `${SURVEY_PREFIX}reply`;

/** How a survey ended: a score 1–5, a reply without one, no reply by the deadline, or the question never went out. */
export type SurveyResult =
  | { status: "answered"; score: number; replySeq: number }
  | { status: "unreadable"; replySeq: number }
  | { status: "unanswered" }
  | { status: "not-sent"; error: SurveyFailure };

type SurveyFailure = { name: string; message: string };

export type SurveyAdvance =
  /**
   * The question went out (or finally could not), or the reply (null: none in time) was taken: persist the record.
   * `result` when the record ends the survey: record it with the record, in the same transaction.
   */
  | { kind: "step"; record: StepRecord; result?: SurveyResult }
  /** Sent; parked until the reply or the deadline. */
  | { kind: "waiting"; wait: PendingWait }
  /** The send failed and is tried again at `retry.notBefore`. */
  | { kind: "retry"; stepId: string; retry: RetryState }
  /** Every record is in and its result was recorded with the last: nothing left to do. */
  | { kind: "done" };

export interface SurveyInput<I> extends Omit<ReplayInput, "persistStep" | "workflow"> {
  workflow: WorkflowDefinition<I>;
  /** The payload of the event that opened the case. */
  input: I;
}

/** Sends after this many failed attempts are given up (the case is closed: no person is asked to retry a survey). */
const SEND_RETRIES = 5;

/**
 * Reads a 1–5 score from a reply: the first non-empty line must begin with the digit ("4", "4/5", "5 - thanks"), not
 * with a longer number or a decimal ("45", "4.5"). Anything else is null (unreadable); quoted text below is ignored.
 * @example readScore("4\n\n> How satisfied are you…") // → 4
 */
export function readScore(text: string): number | null {
  const first = text.split(/\r?\n/).find((line) => line.trim() !== "" && !line.trim().startsWith(">")) ?? "";
  const match = /^([1-5])(?!\d|[.,]\d)/.exec(first.trim());
  return match ? Number(match[1]) : null;
}

/** The question in the customer's language, else in English. */
export function surveyQuestion<I>(survey: SatisfactionSurvey<I>, input: I, resolution: Outcome | null = null): string {
  const language = survey.language?.(input, resolution) ?? "en";
  return survey.question[language] ?? survey.question.en;
}

/**
 * The opening event (the idempotency keys are derived from it) and the messages that came after the question went
 * out: a message of the case's conversation that no ask consumed before the resolution is never taken for the score.
 */
function eventsAfterQuestion(events: readonly CaseEvent[], completed: readonly StepRecord[]): CaseEvent[] {
  const sent = completed.find((s) => s.id === SURVEY_SEND);
  const [opener, ...rest] = events;
  if (!opener) return [];
  return sent ? [opener, ...rest.filter((e) => e.receivedAt >= sent.startedAt)] : [...events];
}

/** A case's survey records, in journal order. */
export const surveyRecords = (journal: readonly StepRecord[]): StepRecord[] =>
  journal.filter((s) => s.id.startsWith(SURVEY_PREFIX));

/**
 * Runs a resolved case's survey to its next result. The question is sent once (its idempotency key is the step's; a
 * failed send is retried with backoff, then recorded as not sent), then the reply is awaited until `wait` has passed.
 * @example
 * const next = await advanceSurvey({ workflow, caseKey, input, events, completed: surveyRecords(steps), pendingWait, now: Date.now });
 * if (next.kind === "done") record(next.result);
 */
export async function advanceSurvey<I>(args: SurveyInput<I>): Promise<SurveyAdvance> {
  const survey = args.workflow.satisfaction as SatisfactionSurvey<I> | undefined;
  if (!survey) throw new TypeError(`workflow ${args.workflow.id} v${args.workflow.version} declares no survey`);
  const completed = surveyRecords(args.completed);
  const r = new Replay({
    ...args,
    workflow: args.workflow as WorkflowDefinition,
    completed,
    events: eventsAfterQuestion(args.events, completed),
  });
  try {
    const channel = survey.channel({
      input: args.input,
      caseKey: args.caseKey,
      conversation: conversationOf(args.workflow.id, args.caseKey, r.caseSeq),
      config: r.config,
    });
    // The case's resolution (the body's last record), for a question in the language the case ended in.
    const resolution = (args.completed.find((s) => s.kind === "resolve")?.output as Outcome | undefined) ?? null;
    const sent = await send(r, channel, surveyQuestion(survey, args.input, resolution));
    if ("error" in sent) return { kind: "done" };
    await r.waitStep(SURVEY_REPLY, "ask", channel.reply, r.span(survey.wait));
    return { kind: "done" };
  } catch (thrown) {
    if (!(thrown instanceof Suspend)) throw thrown;
    const result = thrown.result;
    if (result.kind === "step") {
      const { record } = result;
      const failed = record.id === SURVEY_SEND ? (record.output as { error?: SurveyFailure }).error : undefined;
      if (failed) return { kind: "step", record, result: { status: "not-sent", error: failed } };
      if (record.id === SURVEY_REPLY)
        return { kind: "step", record, result: resultOf(survey, record.output as CaseEvent | null) };
      return { kind: "step", record };
    }
    if (result.kind === "waiting" || result.kind === "retry") return result;
    throw new TypeError(`the survey stopped with an unexpected ${result.kind}`);
  }
}

/** The send step: memoised like `step.run`, but its last failure is recorded instead of handed to a person. */
async function send(r: Replay, channel: Channel, text: string): Promise<SentQuestion | { error: SurveyFailure }> {
  r.claim(SURVEY_SEND);
  const recorded = r.replay(SURVEY_SEND);
  if (recorded) return recorded.output as SentQuestion;
  const previous = r.sla.retries[SURVEY_SEND];
  if (previous && r.now() < previous.notBefore) r.suspend({ kind: "retry", stepId: SURVEY_SEND, retry: previous });
  const outcome = await attempt(
    r,
    SURVEY_SEND,
    async (ctx): Promise<SentQuestion> => ({
      channel: channel.name,
      text,
      sent: (await channel.send(text, ctx)) ?? null,
    }),
    previous,
    { retries: SEND_RETRIES, initialDelay: "30s", maxDelay: "1h" },
  );
  if (!outcome.ok && !outcome.final) r.suspend({ kind: "retry", stepId: SURVEY_SEND, retry: outcome.state });
  const at = r.now();
  const output = outcome.ok ? outcome.output : { error: outcome.state.lastError };
  return r.complete({
    id: SURVEY_SEND,
    kind: "ask",
    output,
    startedAt: outcome.ok ? outcome.startedAt : at,
    finishedAt: at,
  });
}

function resultOf<I>(survey: SatisfactionSurvey<I>, reply: CaseEvent | null): SurveyResult {
  if (!reply) return { status: "unanswered" };
  let text = "";
  try {
    text = survey.replyText(reply);
  } catch {
    // A reply whose payload the declaration cannot read is still a reply, only not a score: unreadable below.
  }
  const score = readScore(text);
  return score === null
    ? { status: "unreadable", replySeq: reply.seq }
    : { status: "answered", score, replySeq: reply.seq };
}
