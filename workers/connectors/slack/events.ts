/**
 * What Slack sends Crossflow (https://docs.slack.com/reference/interaction-payloads/block_actions-payload,
 * https://docs.slack.com/apis/events-api): interactions (a button click arrives as `block_actions`) and Events API
 * callbacks. Signed and verified by the `slack` source first; these schemas check the shape at that boundary.
 */
import { z } from "zod";
import { APPROVE_ACTION, type ApprovalButtonValue, REJECT_ACTION } from "./client.ts";

export const SlackBlockActions = z
  .object({
    type: z.literal("block_actions"),
    trigger_id: z.string().min(1),
    team: z.object({ id: z.string(), domain: z.string().optional() }).nullable(),
    user: z.object({
      id: z.string().min(1),
      username: z.string().optional(),
      name: z.string().optional(),
      team_id: z.string().optional(),
    }),
    api_app_id: z.string().optional(),
    response_url: z.string().optional(),
    container: z
      .object({ type: z.string(), message_ts: z.string().optional(), channel_id: z.string().optional() })
      .passthrough()
      .optional(),
    channel: z.object({ id: z.string(), name: z.string().optional() }).optional(),
    actions: z
      .array(
        z
          .object({
            type: z.string(),
            action_id: z.string(),
            block_id: z.string().optional(),
            value: z.string().max(2000).optional(),
            action_ts: z.string().optional(),
          })
          .passthrough(),
      )
      .min(1),
  })
  .passthrough();
export type SlackBlockActions = z.infer<typeof SlackBlockActions>;

/** An Events API callback (the `message` event, for replies in a channel or a DM). */
export const SlackEventCallback = z
  .object({
    type: z.literal("event_callback"),
    team_id: z.string(),
    event_id: z.string(),
    event_time: z.number(),
    event: z
      .object({
        type: z.string(),
        user: z.string().optional(),
        text: z.string().optional(),
        channel: z.string().optional(),
        ts: z.string().optional(),
      })
      .passthrough(),
  })
  .passthrough();

const ButtonValue = z
  .object({
    workflow: z.string().min(1).max(100),
    caseKey: z.string().min(1).max(500),
    seq: z.number().int().min(1).optional(),
    step: z.string().min(1).max(200),
  })
  .strict();

/** A person clicking Approve or Reject on a Crossflow approval message. */
export interface ApprovalClick extends ApprovalButtonValue {
  decision: "approve" | "reject";
  /** Slack's user id and workspace: who clicked, to be mapped to an approver. */
  slackUser: string;
  team: string | null;
  /** Slack's id of this click: a repeated delivery of it is the same decision. */
  triggerId: string;
}

/**
 * The approval click in an interaction payload, or null when it is not one (another app's button, a malformed
 * payload, or a value that does not name a case).
 * @example approvalClick(payload) // → { decision: "approve", workflow: "refund-dispute", caseKey: "customer:…", step: "triage:approve:call-1", slackUser: "U0…", … }
 */
export function approvalClick(payload: unknown): ApprovalClick | null {
  const parsed = SlackBlockActions.safeParse(payload);
  if (!parsed.success) return null;
  const action = parsed.data.actions.find((a) => a.action_id === APPROVE_ACTION || a.action_id === REJECT_ACTION);
  if (!action?.value) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(action.value);
  } catch {
    // A value that is not ours (not JSON) means this click is not a Crossflow approval.
    return null;
  }
  const value = ButtonValue.safeParse(raw);
  if (!value.success) return null;
  return {
    ...value.data,
    decision: action.action_id === APPROVE_ACTION ? "approve" : "reject",
    slackUser: parsed.data.user.id,
    team: parsed.data.team?.id ?? parsed.data.user.team_id ?? null,
    triggerId: parsed.data.trigger_id,
  };
}
