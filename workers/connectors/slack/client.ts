/**
 * Slack's Web API (https://docs.slack.com/reference/methods/chat.postMessage): messages with a bot token, and
 * approval requests with Approve/Reject buttons whose value names the case and the waiting step. A click comes
 * back as Slack's signed `block_actions` interaction on the `slack` source, where it becomes a person's decision
 * (see workers/ingest/approvals.ts). Slack answers HTTP 200 with `{ ok: false, error }` for most failures: those
 * are sorted like HTTP errors (a bad token or channel is fatal, Slack's own failures are retried). Slack has no
 * idempotency key: a post retried after a crash may appear twice (a second click on it is refused as decided).
 */
import { FatalError, type ApprovalNotice, type ApprovalNotifier } from "../../engine/index.ts";
import { callApi, ConnectorError, connectorSettings, type ApiConfig } from "../http.ts";

/** The Approve/Reject buttons' `action_id`s. */
export const APPROVE_ACTION = "crossflow.approve";
export const REJECT_ACTION = "crossflow.reject";

export interface SlackMessage {
  channel: string;
  ts: string;
}

/** What a button carries back: the case and the step waiting for the decision. */
export interface ApprovalButtonValue {
  workflow: string;
  caseKey: string;
  step: string;
}

/** Settings from configuration: `SLACK_BOT_TOKEN` (`xoxb-…`), optional `SLACK_API_BASE_URL` (a simulator locally). */
export function slackConfig(config: Readonly<Record<string, unknown>>): Omit<ApiConfig, "system"> {
  return connectorSettings(config, { key: "SLACK_BOT_TOKEN", baseUrl: "SLACK_API_BASE_URL", defaultBaseUrl: "https://slack.com/api" });
}

/** Slack's errors that the same request cannot fix later. */
const RETRYABLE = new Set(["internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org", "ratelimited"]);

/** mrkdwn text: Slack requires `&`, `<` and `>` escaped, and customer-derived text must not ping or link. */
const escape = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** The Block Kit message of an approval request. */
export function approvalBlocks(notice: ApprovalNotice): unknown[] {
  const value = JSON.stringify({ workflow: notice.workflowId, caseKey: notice.caseKey, step: notice.stepId } satisfies ApprovalButtonValue);
  const lines = [notice.summary, notice.proposedAction ? `*Proposed:* ${notice.proposedAction}` : undefined].filter((l): l is string => Boolean(l)).map(escape);
  const due = notice.slaDeadline === null ? "" : ` · due <!date^${Math.floor(notice.slaDeadline / 1000)}^{date_short_pretty} {time}|${new Date(notice.slaDeadline).toISOString()}>`;
  return [
    { type: "header", text: { type: "plain_text", text: notice.title.slice(0, 150) } },
    ...(lines.length ? [{ type: "section", text: { type: "mrkdwn", text: lines.join("\n").slice(0, 3000) } }] : []),
    { type: "context", elements: [{ type: "mrkdwn", text: escape(`${notice.workflowId} · ${notice.caseKey} · queue ${notice.queue} · needs ${notice.role}${notice.approvals > 1 ? ` ×${notice.approvals}` : ""}`) + due }] },
    {
      type: "actions",
      block_id: "crossflow_approval",
      elements: [
        { type: "button", action_id: APPROVE_ACTION, style: "primary", text: { type: "plain_text", text: "Approve" }, value },
        { type: "button", action_id: REJECT_ACTION, style: "danger", text: { type: "plain_text", text: "Reject" }, value },
      ],
    },
  ];
}

export function slackClient(config: Omit<ApiConfig, "system">) {
  const api = { ...config, system: "slack" };
  return {
    /**
     * @example const posted = await slack.postMessage({ channel: "#refunds", text: "Refund approved" }, ctx);
     */
    async postMessage(message: { channel: string; text: string; blocks?: unknown[] }, ctx: { idempotencyKey: string }): Promise<SlackMessage> {
      const res = await callApi<{ ok: boolean; error?: string; channel?: string; ts?: string }>(api, "/chat.postMessage", { json: message, idempotencyKey: ctx.idempotencyKey });
      if (res.ok && res.channel && res.ts) return { channel: res.channel, ts: res.ts };
      const detail = `slack chat.postMessage: ${res.error ?? "no ts in the answer"}`;
      if (res.error && RETRYABLE.has(res.error)) throw new ConnectorError("slack", 200, true, detail);
      throw new FatalError(detail, { cause: new ConnectorError("slack", 200, false, detail) });
    },
    /**
     * An approval request with Approve/Reject buttons.
     * @example await slack.postApproval("#refunds", notice, ctx);
     */
    postApproval(channel: string, notice: ApprovalNotice, ctx: { idempotencyKey: string }) {
      return this.postMessage({ channel, text: `Approval needed: ${notice.title}`, blocks: approvalBlocks(notice) }, ctx);
    },
  };
}

/**
 * Approval requests posted to a Slack channel; reads its settings when it sends, inside the step (missing
 * configuration escalates that step). `SLACK_APPROVALS_CHANNEL` overrides the channel.
 * @example step.approve("refund", { title, notify: slackApprovals(config, { channel: "#refunds" }) })
 */
export function slackApprovals(config: Readonly<Record<string, unknown>>, options: { channel: string }): ApprovalNotifier {
  return {
    name: "slack",
    send: (notice, ctx) => {
      const channel = typeof config.SLACK_APPROVALS_CHANNEL === "string" && config.SLACK_APPROVALS_CHANNEL ? config.SLACK_APPROVALS_CHANNEL : options.channel;
      return slackClient(slackConfig(config)).postApproval(channel, notice, ctx);
    },
  };
}
