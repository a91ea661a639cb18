/**
 * The minute check of every alert rule (db/alerts.ts): measure the workflow's figure over the rule's window; when it
 * moves beyond the threshold, claim the crossing and tell the rule's Slack channel or email address once; when it is
 * back within, clear it so the next crossing is told again. A delivery that failed is tried again each minute until it
 * goes through. Both runtimes call it from their minute cron (Cloudflare's scheduled handler, `Deno.cron`).
 */
import {
  type AlertFigure,
  type AlertRule,
  claimCrossing,
  clearCrossing,
  enabledAlertRules,
  measureAlert,
  recordChecked,
  recordDelivered,
  recordDeliveryFailed,
} from "../../db/alerts.ts";
import type { MetricsDatabase } from "../../db/client.ts";
import { emailClient, emailConfig } from "../connectors/email/client.ts";
import { escapeMrkdwn, slackClient, slackConfig } from "../connectors/slack/client.ts";
import { log } from "../observability/index.ts";

const LABEL: Record<AlertRule["metric"], string> = {
  escalation_rate: "escalation rate",
  error_rate: "error rate",
  sla_breached: "SLA breaches",
};

const percent = (fraction: number) => `${Math.round(fraction * 1000) / 10} %`;
const figure = (rule: AlertRule, value: number) => (rule.metric === "sla_breached" ? String(value) : percent(value));
const span = (minutes: number) => (minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`);

/** The message of a crossing, in words a person on call reads: what, how far beyond, over what. */
export function alertText(rule: AlertRule, at: AlertFigure): { subject: string; body: string } {
  const subject = `${rule.workflowId}: ${LABEL[rule.metric]} ${figure(rule, at.value)} is above ${figure(rule, rule.threshold)}`;
  const basis =
    rule.metric === "sla_breached"
      ? `${at.value} task${at.value === 1 ? "" : "s"} passed their SLA in the last ${span(rule.windowMinutes)}.`
      : `${figure(rule, at.value)} of the ${at.cases} case${at.cases === 1 ? "" : "s"} opened in the last ${span(rule.windowMinutes)}.`;
  return {
    subject,
    body: `${basis}\nAlert rule ${rule.id} (set by ${rule.createdBy}); you are told once until it is back within the threshold.`,
  };
}

/** Sends the crossing's message; the key makes a retried send of the same crossing one message. */
async function deliver(rule: AlertRule, at: AlertFigure, config: Readonly<Record<string, unknown>>): Promise<string> {
  const { subject, body } = alertText(rule, at);
  const ctx = { idempotencyKey: `crossflow-alert-${rule.id}-${rule.firingSince}` };
  if (rule.channel === "slack") {
    const blocks = [
      { type: "header", text: { type: "plain_text", text: subject.slice(0, 150) } },
      { type: "section", text: { type: "mrkdwn", text: escapeMrkdwn(body).slice(0, 3000) } },
    ];
    const posted = await slackClient(slackConfig(config)).postMessage(
      { channel: rule.target, text: escapeMrkdwn(subject), blocks },
      ctx,
    );
    return `slack ${posted.channel} ${posted.ts}`;
  }
  const settings = emailConfig(config);
  const sent = await emailClient(settings).send({ from: settings.from, to: rule.target, subject, text: body }, ctx);
  return `email ${sent.id}`;
}

export interface AlertCheckResult {
  checked: number;
  fired: number;
  notified: number;
  cleared: number;
  failed: number;
}

/**
 * Checks every enabled rule once.
 * @example await checkAlerts(db, { config: env, now: Date.now() });
 */
export async function checkAlerts(
  db: MetricsDatabase,
  options: { config: Readonly<Record<string, unknown>>; now: number },
): Promise<AlertCheckResult> {
  const { config, now } = options;
  const result: AlertCheckResult = { checked: 0, fired: 0, notified: 0, cleared: 0, failed: 0 };
  for (const rule of await enabledAlertRules(db)) {
    result.checked++;
    try {
      const at = await measureAlert(db, rule, now);
      const beyond = at.judged && at.value > rule.threshold;
      let firing = rule;
      if (beyond && rule.firingSince === null) {
        if (!(await claimCrossing(db, rule, at.value, now))) continue; // another check claimed it
        result.fired++;
        firing = { ...rule, firingSince: now, notifiedAt: null };
      } else if (!beyond && rule.firingSince !== null) {
        await clearCrossing(db, rule, at.value, now);
        result.cleared++;
        continue;
      } else {
        await recordChecked(db, rule, at.value, now);
      }
      if (beyond && firing.notifiedAt === null) {
        try {
          await recordDelivered(db, firing, await deliver(firing, at, config), now);
          result.notified++;
        } catch (error) {
          result.failed++;
          await recordDeliveryFailed(db, firing, error instanceof Error ? error.message : String(error));
          log.warn("alert: the message was not delivered, the next check tries again", { rule: rule.id, error });
        }
      }
    } catch (error) {
      result.failed++;
      log.error("alert: the rule could not be checked", { rule: rule.id, workflow: rule.workflowId, error });
    }
  }
  return result;
}
