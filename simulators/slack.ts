/**
 * A local Slack Web API: `POST /api/chat.postMessage` with a bot token (JSON or form), answering like Slack (HTTP
 * 200 with `{ ok, channel, ts }`, or `{ ok: false, error }` — also for a bad token). Posted messages are kept. A
 * person's button click is delivered the way Slack delivers interactions: a form-encoded `payload=` of type
 * `block_actions`, signed with `X-Slack-Signature` v0 and `X-Slack-Request-Timestamp`, to the worker's
 * `/hooks/slack` (where to send it and the signing secret are set at `POST /_sim/webhooks`). Slack has no
 * idempotency key, so neither has this simulator; a post's `metadata` (`{ event_type, event_payload }`) is kept and
 * read back the way the connector looks an earlier post up: `GET /api/conversations.list` (the channels posted to,
 * by name) and `GET /api/conversations.history` (newest first, `oldest`, `limit`, `cursor`, metadata only with
 * `include_all_metadata=true`).
 */
import { post, sign } from "../scripts/senders.ts";
import { APPROVE_ACTION, REJECT_ACTION, type SlackMessage } from "../workers/connectors/slack/client.ts";
import type { SlackBlockActions } from "../workers/connectors/slack/events.ts";
import { SIMULATOR_SLACK_TEAM } from "./keys.ts";
import { createSimulator, type Simulator } from "./kit.ts";

/** A message as posted: what the connector reads back of a post, plus what the simulator keeps to answer lookups and clicks. */
export interface PostedMessage extends SlackMessage {
  text: string;
  blocks: { type: string; block_id?: string; elements?: { type: string; action_id?: string; value?: string }[] }[];
  /** Message metadata as posted (https://docs.slack.dev/messaging/message-metadata). */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/** A stable channel id for a name, as Slack turns `#refunds` into `C…`. */
/** The button `action_id` a click presses: the connector's own, so the simulator clicks exactly what it posts. */
const actionIdOf = (action: "approve" | "reject") => (action === "approve" ? APPROVE_ACTION : REJECT_ACTION);

const channelId = (name: string) =>
  /^[CDG][A-Z0-9]{6,}$/.test(name)
    ? name
    : `C${[...name.replace(/^#/, "")]
        .reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7)
        .toString(36)
        .toUpperCase()
        .padStart(8, "0")}`;

/**
 * The `block_actions` interaction Slack sends when `user` clicks Approve or Reject on `message` (its shape as Slack
 * documents it: https://docs.slack.com/reference/interaction-payloads/block_actions-payload).
 * @example const payload = blockActionsPayload(message, { user: "U0ANA", action: "approve" });
 */
export function blockActionsPayload(
  message: PostedMessage,
  click: { user: string; action: "approve" | "reject"; team?: string },
) {
  const actionId = actionIdOf(click.action);
  const button = message.blocks
    .flatMap((b) => b.elements ?? [])
    .find((e) => e.type === "button" && e.action_id === actionId);
  if (!button) throw new Error(`message ${message.ts} has no ${actionId} button`);
  const team = click.team ?? SIMULATOR_SLACK_TEAM;
  return {
    type: "block_actions",
    user: { id: click.user, username: click.user.toLowerCase(), name: click.user.toLowerCase(), team_id: team },
    api_app_id: "A0CROSSFLOW",
    token: "deprecated-verification-token",
    container: { type: "message", message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    trigger_id: `${Date.now()}.${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`,
    team: { id: team, domain: "crossflow-local" },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: message.channel, name: "approvals" },
    message: { type: "message", ts: message.ts, text: message.text, blocks: message.blocks },
    state: { values: {} },
    response_url: `https://hooks.slack.com/actions/${team}/local/${message.ts}`,
    actions: [
      {
        type: "button",
        action_id: actionId,
        block_id: "crossflow_approval",
        text: { type: "plain_text", text: click.action === "approve" ? "Approve" : "Reject" },
        value: button.value,
        action_ts: (Date.now() / 1000).toFixed(6),
      },
    ],
  } satisfies SlackBlockActions;
}

export function slackSimulator(
  apiKey: string,
): Simulator & { messages: PostedMessage[]; webhook: { url: string | null; secret: string | null } } {
  const sim = createSimulator({
    apiKey,
    idempotency: false,
    unauthorized: (c) => c.json({ ok: false, error: c.req.header("authorization") ? "invalid_auth" : "not_authed" }),
  });
  const messages: PostedMessage[] = [];
  /** Channel names posted to, by id, for `conversations.list`. */
  const channels = new Map<string, string>();
  const webhook = { url: null as string | null, secret: null as string | null };
  let clock = Math.floor(Date.now() / 1000) * 1_000_000;

  sim.app.post("/_sim/webhooks", async (c) => {
    Object.assign(webhook, await c.req.json());
    return c.json({ ok: true });
  });
  sim.app.get("/_sim/messages", (c) => c.json({ messages }));
  /**
   * A person clicks a button: `{ user, action: "approve" | "reject", ts?, caseKey?, team? }` (default: the newest
   * message with Crossflow's buttons, for that case when `caseKey` is given). Answers with the worker's reply to the signed interaction.
   */
  sim.app.post("/_sim/click", async (c) => {
    const body = (await c.req.json().catch(() => null)) as {
      user?: string;
      action?: "approve" | "reject";
      ts?: string;
      caseKey?: string;
      team?: string;
    } | null;
    if (!body?.user || !body.action) return c.json({ error: "user and action are required" }, 422);
    if (!webhook.url || !webhook.secret)
      return c.json({ error: "no worker hooked up: POST /_sim/webhooks { url, secret } first" }, 409);
    const actionId = actionIdOf(body.action);
    const buttonOf = (m: PostedMessage) =>
      m.blocks.flatMap((b) => b.elements ?? []).find((e) => e.type === "button" && e.action_id === actionId);
    const names = (m: PostedMessage, caseKey: string) => (buttonOf(m)?.value ?? "").includes(JSON.stringify(caseKey));
    const message = body.ts
      ? messages.find((m) => m.ts === body.ts)
      : [...messages].reverse().find((m) => buttonOf(m) && (!body.caseKey || names(m, body.caseKey)));
    const button = message && buttonOf(message);
    if (!message || !button) return c.json({ error: `no message with a ${actionId} button` }, 404);
    const payload = blockActionsPayload(message, { user: body.user, action: body.action, team: body.team });
    const res = await post(webhook.url, await sign.slackInteraction(webhook.secret, payload));
    return c.json({ payload, worker: { status: res.status, body: await res.json().catch(() => null) } });
  });

  sim.app.post("/api/chat.postMessage", async (c) => {
    const type = c.req.header("content-type") ?? "";
    const params: Record<string, unknown> = type.startsWith("application/json")
      ? ((await c.req.json().catch(() => ({}))) as Record<string, unknown>)
      : Object.fromEntries(new URLSearchParams(await c.req.text()));
    const blocks =
      typeof params.blocks === "string"
        ? (JSON.parse(params.blocks) as PostedMessage["blocks"])
        : ((params.blocks as PostedMessage["blocks"] | undefined) ?? []);
    if (typeof params.channel !== "string" || !params.channel) return c.json({ ok: false, error: "channel_not_found" });
    if ((typeof params.text !== "string" || !params.text) && blocks.length === 0)
      return c.json({ ok: false, error: "no_text" });
    if (blocks.length > 50) return c.json({ ok: false, error: "invalid_blocks" });
    const metadata =
      typeof params.metadata === "string"
        ? (JSON.parse(params.metadata) as PostedMessage["metadata"])
        : (params.metadata as PostedMessage["metadata"] | undefined);
    if (
      metadata !== undefined &&
      (typeof metadata?.event_type !== "string" ||
        typeof metadata.event_payload !== "object" ||
        metadata.event_payload === null)
    )
      return c.json({ ok: false, error: "invalid_metadata_format" });
    clock = Math.max(clock + 100, Math.floor(Date.now() / 1000) * 1_000_000);
    const ts = `${Math.floor(clock / 1_000_000)}.${String(clock % 1_000_000).padStart(6, "0")}`;
    const message: PostedMessage = {
      channel: channelId(params.channel),
      ts,
      text: String(params.text ?? ""),
      blocks,
      ...(metadata ? { metadata } : {}),
    };
    if (!/^[CGD][A-Z0-9]{6,}$/.test(params.channel)) channels.set(message.channel, params.channel.replace(/^#/, ""));
    messages.push(message);
    return c.json({
      ok: true,
      channel: message.channel,
      ts,
      message: { type: "message", text: message.text, blocks, bot_id: "B0CROSSFLOW", ts },
    });
  });
  sim.app.get("/api/conversations.list", (c) => {
    const limit = Math.min(1000, Math.max(1, Number(c.req.query("limit") ?? 100) || 100));
    const start = Number(c.req.query("cursor") || 0);
    const all = [...channels].map(([id, name]) => ({ id, name, is_channel: true, is_archived: false }));
    const next = start + limit < all.length ? String(start + limit) : "";
    return c.json({ ok: true, channels: all.slice(start, start + limit), response_metadata: { next_cursor: next } });
  });
  sim.app.get("/api/conversations.history", (c) => {
    const channel = c.req.query("channel");
    if (!channel) return c.json({ ok: false, error: "channel_not_found" });
    const oldest = Number(c.req.query("oldest") ?? 0);
    const limit = Math.min(999, Math.max(1, Number(c.req.query("limit") ?? 100) || 100));
    const start = Number(c.req.query("cursor") || 0);
    const withMetadata = c.req.query("include_all_metadata") === "true";
    const list = messages.filter((m) => m.channel === channel && Number(m.ts) > oldest).reverse();
    const page = list.slice(start, start + limit).map(({ ts, text, blocks, metadata }) => ({
      type: "message",
      ts,
      text,
      blocks,
      bot_id: "B0CROSSFLOW",
      ...(withMetadata && metadata ? { metadata } : {}),
    }));
    const more = start + limit < list.length;
    return c.json({
      ok: true,
      messages: page,
      has_more: more,
      response_metadata: { next_cursor: more ? String(start + limit) : "" },
    });
  });
  return { ...sim, messages, webhook };
}
