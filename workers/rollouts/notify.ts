/**
 * Telling the people a rollout policy names what the guard check did: a Slack message per channel and an email per
 * address, through the same connectors the workflows use. The change is already recorded when they are told, so a
 * failed notice is logged and named in the answer, never a reason to undo the halt.
 */
import { emailClient, emailConfig } from "../connectors/email/client.ts";
import { escapeMrkdwn, slackClient, slackConfig } from "../connectors/slack/client.ts";
import { log } from "../observability/index.ts";

export interface RolloutNotice {
  /** Names the notice for the connectors' idempotency keys: the same notice is never sent twice. */
  key: string;
  subject: string;
  lines: string[];
  slack: readonly string[];
  email: readonly string[];
}

/** Whom a notice reached, and whom it did not (with why). */
export interface NoticeResult {
  told: string[];
  failed: { to: string; error: string }[];
}

/**
 * @example await sendRolloutNotice(config, { key: "rollout:refund-dispute:7", subject: "…", lines, slack: ["#refund-leads"], email: [] })
 */
export async function sendRolloutNotice(
  config: Readonly<Record<string, unknown>>,
  notice: RolloutNotice,
): Promise<NoticeResult> {
  const result: NoticeResult = { told: [], failed: [] };
  const attempt = async (to: string, send: () => Promise<unknown>) => {
    try {
      await send();
      result.told.push(to);
    } catch (error) {
      result.failed.push({ to, error: error instanceof Error ? error.message : String(error) });
      log.error("rollouts: a notice could not be sent", { to, key: notice.key, error });
    }
  };
  const text = [notice.subject, "", ...notice.lines].join("\n");
  await Promise.all([
    ...notice.slack.map((channel) =>
      attempt(`slack:${channel}`, () =>
        slackClient(slackConfig(config)).postMessage(
          {
            channel,
            text: escapeMrkdwn(notice.subject),
            blocks: [
              { type: "header", text: { type: "plain_text", text: notice.subject.slice(0, 150) } },
              {
                type: "section",
                text: { type: "mrkdwn", text: notice.lines.map(escapeMrkdwn).join("\n").slice(0, 3000) },
              },
            ],
          },
          { idempotencyKey: `${notice.key}:slack:${channel}` },
        ),
      ),
    ),
    ...notice.email.map((to) =>
      attempt(`email:${to}`, () => {
        const settings = emailConfig(config);
        return emailClient(settings).send(
          { from: settings.from, to, subject: notice.subject, text },
          { idempotencyKey: `${notice.key}:email:${to}` },
        );
      }),
    ),
  ]);
  return result;
}
