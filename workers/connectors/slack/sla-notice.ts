/**
 * SLA notices in a Slack channel: a person's task that passed its deadline undecided, where it waited, how late it
 * is and where it went. Posted through the Slack client (one message per breach, under the notice step's key).
 */
import { type SlaNotifier, slaNoticeText } from "../../engine/index.ts";
import { escapeMrkdwn, slackClient, slackConfig } from "./client.ts";

/**
 * Tells a channel (e.g. the next queue's leads) that a task is past its SLA; reads its settings when it sends, inside
 * the notice's step. `SLACK_SLA_CHANNEL` overrides the channel.
 * @example defineWorkflow({ id: "refund-dispute", ..., slaNotify: (config) => slackSlaNotice(config, { channel: "#refund-leads" }) }, body)
 */
export function slackSlaNotice(config: Readonly<Record<string, unknown>>, options: { channel: string }): SlaNotifier {
  return {
    name: "slack",
    send: (notice, ctx) => {
      const channel =
        typeof config.SLACK_SLA_CHANNEL === "string" && config.SLACK_SLA_CHANNEL
          ? config.SLACK_SLA_CHANNEL
          : options.channel;
      const { subject, lines } = slaNoticeText(notice);
      const blocks = [
        { type: "header", text: { type: "plain_text", text: subject.slice(0, 150) } },
        { type: "section", text: { type: "mrkdwn", text: lines.map(escapeMrkdwn).join("\n").slice(0, 3000) } },
      ];
      return slackClient(slackConfig(config)).postMessage({ channel, text: escapeMrkdwn(subject), blocks }, ctx);
    },
  };
}
