/**
 * A case read for people: the conversation with the customer, the agent steps' decisions and the guardrail
 * verdicts, pulled out of the case API's steps and timeline. Pure functions over the API's data (shared by the
 * server load and the page), so the page only lays them out.
 */
import type { CaseView } from "$lib/server/case-api";

export interface Message {
  direction: "out" | "in" | "none";
  at: number;
  stepId: string;
  /** e.g. `email`, `sms`, or the source of a reply. */
  channel: string | null;
  text: string | null;
  /** Provider reference of a sent message (email id, message SID). */
  ref: string | null;
  from: string | null;
  /** An answer the case wrote to the customer's question (not an ask), with the passages it cited. */
  answer?: { citations: string[] };
}

export interface AgentStep {
  stepId: string;
  at: number;
  model: string;
  offline: boolean;
  promptVersion: string;
  decision: string | null;
  confidence: number | null;
  rationale: string | null;
  overrun: string | null;
  verdicts: { tool: string; verdict: string; reason?: string; input: unknown }[];
  actions: { tool: string; input: unknown; needsApproval: boolean }[];
  usage: { inputTokens: number; outputTokens: number; costUsd: number } | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

/** What a customer wrote, from the webhook payloads of the channels the workflows ask on. */
function replyText(payload: unknown): { text: string | null; from: string | null } {
  if (!isObject(payload)) return { text: null, from: null };
  const data = isObject(payload.data) ? payload.data : null; // Resend inbound email
  const detail = isObject(payload.detail) ? payload.detail : null; // Zendesk
  const text =
    str(data?.text) ?? str(payload.Body) ?? str(payload.body) ?? str(detail?.description) ?? str(payload.text) ?? null;
  const from = str(data?.from) ?? str(payload.From) ?? str(payload.from) ?? null;
  return { text, from };
}

function sentRef(output: unknown): string | null {
  if (!isObject(output)) return typeof output === "string" ? output : null;
  return str(output.id) ?? str(output.sid) ?? str(output.messageId) ?? null;
}

/** What the customer wrote in the event that opened the case (a ticket's text, an email), if it carries text. */
export function openerMessage(opener: CaseView["opener"]): { text: string; from: string | null } | null {
  if (!opener) return null;
  const { text, from } = replyText(opener.payload);
  if (!text) return null;
  const payload = isObject(opener.payload) ? opener.payload : {};
  const detail = isObject(payload.detail) ? payload.detail : null;
  const requester = detail && isObject(detail.requester) ? str(detail.requester.email) : null;
  return { text, from: from ?? requester };
}

const ASK_SEND = /:(send|reminder)$/;
// An ask's reply, also the messages it heard while it waited (a question answered meanwhile: `reply-after-message-<seq>`).
const ASK_REPLY = /:(reply|reply-after-reminder|reply-after-message-\d+)$/;

/**
 * An answer to the customer's question: a `<agent step>:reply` run step, whose output is the text sent (`{ channel,
 * text, citations }`, as the chat records it) or the email or SMS provider's receipt, the text then being the agent
 * step's answer.
 */
function answerMessage(step: CaseView["steps"][number], byId: Map<string, CaseView["steps"][number]>): Message | null {
  if (step.kind !== "run" || !step.id.endsWith(":reply")) return null;
  const output = isObject(step.output) ? step.output : {};
  const agent = byId.get(step.id.slice(0, -":reply".length));
  const decided = agent && isObject(agent.output) && isObject(agent.output.decision) ? agent.output.decision : null;
  const text = str(output.text) ?? (decided?.decision === "answer" ? str(decided.answer) : null);
  if (!text) return null;
  const cited = Array.isArray(output.citations)
    ? output.citations
    : Array.isArray(decided?.citations)
      ? decided.citations
      : [];
  return {
    direction: "out",
    at: step.finishedAt,
    stepId: step.id,
    channel: str(output.channel),
    text,
    ref: str(output.text) ? null : sentRef(step.output),
    from: null,
    answer: { citations: cited.filter((c): c is string => typeof c === "string") },
  };
}

/**
 * The conversation: each ask sent (and reminder), each reply received (and each message heard while an ask waited),
 * the answers the case wrote to the customer's questions, and replies that never came.
 * @example conversation(view) // → [{ direction: "out", stepId: "details:send", ... }, { direction: "in", text: "It is ch_123" }]
 */
export function conversation(view: Pick<CaseView, "steps" | "wait">): Message[] {
  const messages: Message[] = [];
  const byId = new Map(view.steps.map((s) => [s.id, s]));
  for (const step of view.steps) {
    const answer = answerMessage(step, byId);
    if (answer) messages.push(answer);
    if (step.kind !== "ask") continue;
    if (ASK_SEND.test(step.id)) {
      // A send recorded as { channel, text, sent } (the provider's answer in `sent`); cases from before recorded the
      // provider's answer alone, without the question.
      const output = isObject(step.output) ? step.output : {};
      const asked = "sent" in output && str(output.text) !== null;
      messages.push({
        direction: "out",
        at: step.finishedAt,
        stepId: step.id,
        channel: str(output.channel),
        text: asked ? str(output.text) : null,
        ref: sentRef(asked ? output.sent : step.output),
        from: null,
      });
    } else if (ASK_REPLY.test(step.id)) {
      const event = isObject(step.output) ? step.output : null;
      if (!event) {
        messages.push({
          direction: "none",
          at: step.finishedAt,
          stepId: step.id,
          channel: null,
          text: null,
          ref: null,
          from: null,
        });
        continue;
      }
      const { text, from } = replyText(event.payload);
      messages.push({
        direction: "in",
        at: Number(event.receivedAt ?? step.finishedAt),
        stepId: step.id,
        channel: str(event.source),
        text,
        ref: str(event.id),
        from,
      });
    }
  }
  return messages.sort((a, b) => a.at - b.at);
}

/** The agent steps with the model's decision, its confidence and rationale, and the guardrails' verdicts. */
export function agentSteps(view: Pick<CaseView, "steps">): AgentStep[] {
  const out: AgentStep[] = [];
  for (const step of view.steps) {
    if (step.kind !== "agent" || !isObject(step.output)) continue;
    const t = step.output;
    const model = isObject(t.model) ? t.model : {};
    const decision = isObject(t.decision) ? t.decision : null;
    out.push({
      stepId: step.id,
      at: step.finishedAt,
      model: `${str(model.provider) ?? "?"}:${str(model.id) ?? "?"}`,
      offline: model.offline === true,
      promptVersion: str(t.promptVersion) ?? "",
      decision: decision ? (str(decision.decision) ?? JSON.stringify(decision.decision)) : null,
      confidence: decision && typeof decision.confidence === "number" ? decision.confidence : null,
      rationale: decision ? str(decision.rationale) : null,
      overrun: str(t.overrun),
      verdicts: Array.isArray(t.verdicts)
        ? t.verdicts.filter(isObject).map((v) => ({
            tool: String(v.tool),
            verdict: String(v.verdict),
            ...(str(v.reason) ? { reason: String(v.reason) } : {}),
            input: v.input,
          }))
        : [],
      actions: Array.isArray(t.actions)
        ? t.actions
            .filter(isObject)
            .map((a) => ({ tool: String(a.tool), input: a.input, needsApproval: a.needsApproval === true }))
        : [],
      usage: isObject(t.usage)
        ? {
            inputTokens: Number(t.usage.inputTokens ?? 0),
            outputTokens: Number(t.usage.outputTokens ?? 0),
            costUsd: Number(t.usage.costUsd ?? 0),
          }
        : null,
    });
  }
  return out;
}

/** Who acted on a timeline line, as people read it. */
export function actorText(actor: { kind: string; id: string }): string {
  switch (actor.kind) {
    case "human":
      return `person ${actor.id}`;
    case "model":
      return `model ${actor.id}`;
    case "rule":
      return `rule ${actor.id}`;
    case "sender":
      return `sender ${actor.id}`;
    default:
      return actor.id;
  }
}

/** A short, readable value for JSON-ish details (`{"charge":"ch_1","amount":8000}`). */
export function compact(value: unknown, max = 160): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text === undefined ? "" : text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
