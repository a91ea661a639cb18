import {
  assertJsonDepth,
  DEFAULT_MAX_BODY_BYTES,
  epochMs,
  field,
  type ParsedRequest,
  text,
  type WebhookSource,
} from "../../webhooks/index.ts";
import { slackApprover } from "./approvers.ts";
import { approvalClick } from "./events.ts";
import { slackScheme } from "./scheme.ts";

/** Interactive payloads (buttons, approvals) arrive form-encoded with the JSON in a `payload` field. */
function interactive(request: ParsedRequest): unknown {
  if (request.kind !== "form") return undefined;
  const raw = (request.body as Record<string, string>).payload;
  if (raw === undefined) return undefined;
  // The JSON inside the form is held to the same depth as a JSON body (a 400 before it is parsed).
  assertJsonDepth(raw, "Slack's payload field");
  try {
    return JSON.parse(raw);
  } catch {
    // A payload field that is not JSON is reported below as a request without an event.
    return undefined;
  }
}

/**
 * Slack: the Events API (`event_id`, `event.type`), interactivity (`payload=`), and the URL handshake. A click on a
 * Crossflow approval message is a person's decision, not an event for a workflow to route.
 */
export const slack: WebhookSource = {
  name: "slack",
  scheme: slackScheme(),
  secretBinding: "SLACK_SIGNING_SECRET",
  accepts: ["json", "form"],
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  handshake({ kind, body }) {
    if (kind === "json" && field(body, "type") === "url_verification")
      return { challenge: text(field(body, "challenge")) ?? "" };
    return undefined;
  },
  deliveries(request) {
    if (request.kind === "json") {
      const id = text(field(request.body, "event_id"));
      const type = text(field(request.body, "event.type"));
      if (!id || !type) return { error: "a Slack event callback needs event_id and event.type" };
      return [{ id, type, occurredAt: epochMs(field(request.body, "event_time")), payload: request.body }];
    }
    const payload = interactive(request);
    const type = text(field(payload, "type"));
    const id = text(field(payload, "trigger_id")) ?? text(field(payload, "actions.0.action_ts"));
    if (!payload || !id || !type)
      return { error: "a Slack interaction needs a JSON payload field with type and trigger_id" };
    return [{ id, type: `interaction.${type}`, payload }];
  },
  decision(deliveries, config) {
    const [delivery] = deliveries;
    if (deliveries.length !== 1 || delivery?.type !== "interaction.block_actions") return undefined;
    // Another app's button or a value naming no case is no decision of ours: routed like any interaction.
    const click = approvalClick(delivery.payload);
    if (!click) return undefined;
    const approver = slackApprover(config, click);
    return {
      workflow: click.workflow,
      caseKey: click.caseKey,
      seq: click.seq,
      step: click.step,
      decision: click.decision,
      id: `slack:${click.triggerId}`,
      by: "refused" in approver ? { refused: approver.refused, actorId: `slack:${click.slackUser}` } : approver,
      note: `from Slack (${click.slackUser})`,
    };
  },
};
