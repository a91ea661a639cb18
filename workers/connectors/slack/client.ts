/**
 * Slack's Web API (https://docs.slack.com/reference/methods/chat.postMessage): messages with a bot token, and
 * approval requests with Approve/Reject buttons whose value names the case and the waiting step. A click comes
 * back as Slack's signed `block_actions` interaction on the `slack` source, whose `decision` hook (source.ts) reads
 * it as a person's decision for workers/ingest/approvals.ts to carry out. Slack answers HTTP 200 with `{ ok: false,
 * error }` for most failures: those are sorted like HTTP errors (a bad token or channel is fatal, Slack's own
 * failures are retried).
 *
 * Slack has no idempotency key, so every post carries the step's key as message metadata
 * (`metadata: { event_type: "crossflow_step", event_payload: { idempotency_key } }`,
 * https://docs.slack.dev/messaging/message-metadata). When an earlier call of the step may have posted (the attempt
 * resumes after a crash, or an earlier attempt timed out), the client first reads the channel's history since the
 * step began (`conversations.history` with `include_all_metadata`; a `#name` is resolved with `conversations.list`)
 * and returns the message carrying that key instead of posting again. The bot needs `channels:history` (and
 * `groups:history` for private channels) and `channels:read`; a lookup Slack refuses escalates the step rather than
 * risk a second post.
 */
import { type ApprovalNotice, type ApprovalNotifier, FatalError } from "../../engine/index.ts";
import {
  type ApiConfig,
  ConnectorError,
  callApi,
  connectorSettings,
  type EffectContext,
  earlierCallSince,
  KEYED_LOOKUP_MARGIN_MS,
} from "../http.ts";

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
  /** Which of the key's cases (messages posted before cases were numbered carry none: the key's first). */
  seq?: number;
  step: string;
}

/** Settings from configuration: `SLACK_BOT_TOKEN` (`xoxb-…`), optional `SLACK_API_BASE_URL` (a simulator locally). */
export function slackConfig(config: Readonly<Record<string, unknown>>): Omit<ApiConfig, "system"> {
  return connectorSettings(config, {
    key: "SLACK_BOT_TOKEN",
    baseUrl: "SLACK_API_BASE_URL",
    defaultBaseUrl: "https://slack.com/api",
  });
}

/** The metadata event type every Crossflow post carries, with the step's idempotency key as its payload. */
export const STEP_METADATA_EVENT = "crossflow_step";

/** Pages of channel history (200 messages each) read when looking for an earlier post. */
const LOOKUP_PAGES = 10;

/** A message as `conversations.history` lists it (the fields Crossflow reads). */
interface HistoryMessage {
  ts: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/** Slack's errors that the same request may succeed with later. */
const RETRYABLE = new Set([
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
  "team_added_to_org",
  "ratelimited",
]);

/** mrkdwn text: Slack requires `&`, `<` and `>` escaped, and customer-derived text must not ping or link. */
export const escapeMrkdwn = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** The Block Kit message of an approval request. */
export function approvalBlocks(notice: ApprovalNotice): unknown[] {
  const value = JSON.stringify({
    workflow: notice.workflowId,
    caseKey: notice.caseKey,
    seq: notice.caseSeq,
    step: notice.stepId,
  } satisfies ApprovalButtonValue);
  const lines = [notice.summary, notice.proposedAction ? `*Proposed:* ${notice.proposedAction}` : undefined]
    .filter((l): l is string => Boolean(l))
    .map(escapeMrkdwn);
  const due =
    notice.slaDeadline === null
      ? ""
      : ` · due <!date^${Math.floor(notice.slaDeadline / 1000)}^{date_short_pretty} {time}|${new Date(notice.slaDeadline).toISOString()}>`;
  return [
    { type: "header", text: { type: "plain_text", text: notice.title.slice(0, 150) } },
    ...(lines.length ? [{ type: "section", text: { type: "mrkdwn", text: lines.join("\n").slice(0, 3000) } }] : []),
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text:
            escapeMrkdwn(
              `${notice.workflowId} · ${notice.caseKey} · queue ${notice.queue} · needs ${notice.role}${notice.approvals > 1 ? ` ×${notice.approvals}` : ""}`,
            ) + due,
        },
      ],
    },
    {
      type: "actions",
      block_id: "crossflow_approval",
      elements: [
        {
          type: "button",
          action_id: APPROVE_ACTION,
          style: "primary",
          text: { type: "plain_text", text: "Approve" },
          value,
        },
        {
          type: "button",
          action_id: REJECT_ACTION,
          style: "danger",
          text: { type: "plain_text", text: "Reject" },
          value,
        },
      ],
    },
  ];
}

/** Slack's `{ ok: false, error }` as the engine's errors: its own failures retried, everything else fatal. */
function refused(method: string, error: string | undefined, what = "no result in the answer"): never {
  const detail = `slack ${method}: ${error ?? what}`;
  if (error && RETRYABLE.has(error)) throw new ConnectorError("slack", 200, true, detail);
  throw new FatalError(detail, { cause: new ConnectorError("slack", 200, false, detail) });
}

export function slackClient(config: Omit<ApiConfig, "system">) {
  const api = { ...config, system: "slack" };
  const read = async <T extends { ok: boolean; error?: string }>(
    method: string,
    params: Record<string, string>,
  ): Promise<T> => {
    const res = await callApi<T>(api, `/${method}?${new URLSearchParams(params)}`);
    return res.ok ? res : refused(method, res.error);
  };
  return {
    /**
     * Posts once per step: on a resumed or repeated attempt, the message the earlier call posted is returned instead.
     * @example const posted = await slack.postMessage({ channel: "#refunds", text: "Refund approved" }, ctx);
     */
    async postMessage(
      message: { channel: string; text: string; blocks?: unknown[] },
      ctx: EffectContext,
    ): Promise<SlackMessage> {
      const since = earlierCallSince(ctx, KEYED_LOOKUP_MARGIN_MS);
      const earlier = since === null ? null : await this.findPosted(message.channel, ctx.idempotencyKey, since);
      if (earlier) return earlier;
      const metadata = { event_type: STEP_METADATA_EVENT, event_payload: { idempotency_key: ctx.idempotencyKey } };
      const res = await callApi<{ ok: boolean; error?: string; channel?: string; ts?: string }>(
        api,
        "/chat.postMessage",
        { json: { ...message, metadata }, idempotencyKey: ctx.idempotencyKey },
      );
      if (res.ok && res.channel && res.ts) return { channel: res.channel, ts: res.ts };
      return refused("chat.postMessage", res.error, "no ts in the answer");
    },
    /**
     * The message posted to `channel` since `since` (epoch ms) whose metadata carries `idempotencyKey`, or null.
     * @example const earlier = await slack.findPosted("#refunds", ctx.idempotencyKey, attemptStartedAt);
     */
    async findPosted(channel: string, idempotencyKey: string, since: number): Promise<SlackMessage | null> {
      const id = await this.channelId(channel);
      // A channel the workspace does not have: nothing was posted there (the post itself will say so).
      if (!id) return null;
      let cursor = "";
      for (let page = 0; page < LOOKUP_PAGES; page++) {
        const history = await read<{
          ok: boolean;
          error?: string;
          messages?: HistoryMessage[];
          has_more?: boolean;
          response_metadata?: { next_cursor?: string };
        }>("conversations.history", {
          channel: id,
          oldest: (since / 1000).toFixed(6),
          limit: "200",
          include_all_metadata: "true",
          ...(cursor ? { cursor } : {}),
        });
        const found = (history.messages ?? []).find(
          (m) =>
            m.metadata?.event_type === STEP_METADATA_EVENT &&
            m.metadata.event_payload?.idempotency_key === idempotencyKey,
        );
        if (found) return { channel: id, ts: found.ts };
        cursor = history.response_metadata?.next_cursor ?? "";
        if (!history.has_more || !cursor) return null;
      }
      return null;
    },
    /**
     * A channel's id: `C…`/`G…`/`D…` as given, a `#name` or `name` looked up among the channels the bot can see.
     * @example const id = await slack.channelId("#refunds"); // "C0123ABCD"
     */
    async channelId(channel: string): Promise<string | null> {
      if (/^[CGD][A-Z0-9]{6,}$/.test(channel)) return channel;
      const name = channel.replace(/^#/, "");
      let cursor = "";
      for (let page = 0; page < LOOKUP_PAGES; page++) {
        const list = await read<{
          ok: boolean;
          error?: string;
          channels?: { id: string; name: string }[];
          response_metadata?: { next_cursor?: string };
        }>("conversations.list", {
          types: "public_channel,private_channel",
          exclude_archived: "true",
          limit: "1000",
          ...(cursor ? { cursor } : {}),
        });
        const found = list.channels?.find((c) => c.name === name);
        if (found) return found.id;
        cursor = list.response_metadata?.next_cursor ?? "";
        if (!cursor) return null;
      }
      return null;
    },
    /**
     * An approval request with Approve/Reject buttons.
     * @example await slack.postApproval("#refunds", notice, ctx);
     */
    postApproval(channel: string, notice: ApprovalNotice, ctx: EffectContext) {
      return this.postMessage(
        { channel, text: `Approval needed: ${notice.title}`, blocks: approvalBlocks(notice) },
        ctx,
      );
    },
  };
}

/**
 * Approval requests posted to a Slack channel; reads its settings when it sends, inside the step (missing
 * configuration escalates that step). `SLACK_APPROVALS_CHANNEL` overrides the channel.
 * @example step.approve("refund", { title, notify: slackApprovals(config, { channel: "#refunds" }) })
 */
export function slackApprovals(
  config: Readonly<Record<string, unknown>>,
  options: { channel: string },
): ApprovalNotifier {
  return {
    name: "slack",
    send: (notice, ctx) => {
      const channel =
        typeof config.SLACK_APPROVALS_CHANNEL === "string" && config.SLACK_APPROVALS_CHANNEL
          ? config.SLACK_APPROVALS_CHANNEL
          : options.channel;
      return slackClient(slackConfig(config)).postApproval(channel, notice, ctx);
    },
  };
}
