/**
 * Alerts on `wrangler dev` with libSQL: an admin's rules on refund-dispute's escalation rate (one to a Slack channel,
 * one by email, one that needs more cases than there are) are checked by the worker's minute cron. Once escalations
 * push the rate beyond the threshold, exactly one message reaches the Slack simulator and one email the email
 * simulator, however often the cron fires after; the rule that rests on too few cases stays quiet.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { addAlertRule } from "../../db/alerts.ts";
import { openDatabase } from "../../db/client.ts";
import { alertNotices, alertRules, cases } from "../../db/schema.ts";
import { devVar } from "../../scripts/dev-vars.ts";
import { post, sign } from "../../scripts/senders.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { useStack } from "../support/stack.ts";
import { eventually } from "../support/wait.ts";

const stack = useStack("alerts");
const MINUTE_CRON = "* * * * *";

/** A refund ticket reporting a stolen card: refund-dispute's rule hands it to a person (an escalation). */
async function fraudTicket(): Promise<string> {
  const email = `alert-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const charge = `ch_alert${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const seeded = await fetch(`${stack().simulators.url}/stripe/v1/charges`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ id: charge, amount: "2400", currency: "eur" }),
  });
  expect(seeded.ok).toBe(true);
  const payload = {
    id: `zd-${crypto.randomUUID()}`,
    type: "zen:event-type:ticket.created",
    time: new Date().toISOString(),
    detail: {
      id: "91",
      subject: "Refund request",
      description: `I did not authorize ${charge}, my card was stolen.`,
      tags: ["refund"],
      requester: { email },
    },
  };
  const res = await post(stack().worker.url, await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, payload));
  expect(res.status).toBe(202);
  return `customer:${email}`;
}

const fireCron = async () => {
  const res = await fetch(`${stack().worker.url}/__scheduled?cron=${encodeURIComponent(MINUTE_CRON)}`);
  await res.body?.cancel();
};
const slackAlerts = async () =>
  (
    (await (await fetch(`${stack().simulators.url}/slack/_sim/messages`)).json()) as { messages: { text: string }[] }
  ).messages.filter((m) => m.text.includes("refund-dispute: escalation rate"));
const emailAlerts = async () =>
  (
    (await (await fetch(`${stack().simulators.url}/resend/_sim/sent`)).json()) as {
      sent: { to: unknown; subject: string }[];
    }
  ).sent.filter((m) => m.subject.includes("refund-dispute: escalation rate"));

describe("alerts", () => {
  it("tells Slack and email once when refund-dispute's escalation rate crosses the admin's threshold", async () => {
    const db = openDatabase({ url: stack().libsql.url, authToken: stack().libsql.authToken });
    const rule = {
      workflowId: "refund-dispute",
      metric: "escalation_rate",
      threshold: 0.5,
      windowMinutes: 60,
    } as const;
    const slack = await addAlertRule(db, {
      ...rule,
      minCases: 2,
      channel: "slack",
      target: "#ops-alerts",
      createdBy: "admin",
    });
    const mail = await addAlertRule(db, {
      ...rule,
      minCases: 2,
      channel: "email",
      target: "oncall@example.com",
      createdBy: "admin",
    });
    const quiet = await addAlertRule(db, {
      ...rule,
      minCases: 500,
      channel: "slack",
      target: "#too-few",
      createdBy: "admin",
    });

    // Nothing opened yet: the check measures 0 and tells nobody.
    await fireCron();
    await eventually(
      async () => {
        const [row] = await db.select().from(alertRules).where(eq(alertRules.id, slack.id));
        return row?.lastCheckedAt ? row : undefined;
      },
      20_000,
      "the first check",
    );
    expect(await slackAlerts()).toEqual([]);

    const keys = [await fraudTicket(), await fraudTicket()];
    await eventually(
      async () => {
        const rows = await db.select().from(cases).where(eq(cases.workflowId, "refund-dispute"));
        return rows.filter((r) => keys.includes(r.caseKey) && r.escalated).length === 2 ? rows : undefined;
      },
      45_000,
      "both escalations in the metrics database",
    );

    await fireCron();
    const posted = await eventually(
      async () => ((await slackAlerts()).length > 0 ? slackAlerts() : undefined),
      20_000,
      "the Slack alert",
    );
    expect(posted[0]!.text).toContain("100 % is above 50 %");
    const mailed = await eventually(
      async () => ((await emailAlerts()).length > 0 ? emailAlerts() : undefined),
      20_000,
      "the email alert",
    );
    expect(mailed[0]!.to).toEqual(["oncall@example.com"]);

    // Every later minute finds it still beyond the threshold: told once per crossing, not every minute.
    await fireCron();
    await fireCron();
    await new Promise((r) => setTimeout(r, 3000));
    expect(await slackAlerts()).toHaveLength(1);
    expect(await emailAlerts()).toHaveLength(1);

    const [state] = await db.select().from(alertRules).where(eq(alertRules.id, slack.id));
    expect(state).toMatchObject({ lastValue: 1, lastError: null });
    expect(state?.firingSince).not.toBeNull();
    expect(state?.notifiedAt).not.toBeNull();
    const notices = await db
      .select()
      .from(alertNotices)
      .where(eq(alertNotices.ruleId, slack.id))
      .orderBy(alertNotices.id);
    expect(notices.map((n) => n.kind)).toEqual(["fired", "notified"]);
    expect(notices[1]?.detail).toMatch(/^slack /);
    expect(
      (await db.select().from(alertNotices).where(eq(alertNotices.ruleId, mail.id)).orderBy(alertNotices.id)).map(
        (n) => n.kind,
      ),
    ).toEqual(["fired", "notified"]);
    const [tooFew] = await db.select().from(alertRules).where(eq(alertRules.id, quiet.id));
    expect(tooFew?.firingSince).toBeNull();
  });
});
