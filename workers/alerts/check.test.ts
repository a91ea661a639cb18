/**
 * The minute check against a real libSQL and the Slack simulator in process: a rate beyond the threshold is told once
 * however often the check runs, back within it clears, a new crossing is told again; a delivery that failed is tried
 * again on the next check and told once; a rule resting on too few cases is not judged.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { addAlertRule } from "../../db/alerts.ts";
import type { MetricsDatabase } from "../../db/client.ts";
import { alertNotices, alertRules, cases } from "../../db/schema.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { slackSimulator } from "../../simulators/slack.ts";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import { CONNECTOR_FETCH } from "../connectors/http.ts";
import { checkAlerts } from "./check.ts";

const database = useMigratedDatabase("alerts-check");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

const HOUR = 3_600_000;
const NOW = 100 * HOUR;

function slack() {
  const sim = slackSimulator(SIMULATOR_KEYS.slack);
  const config = {
    SLACK_BOT_TOKEN: SIMULATOR_KEYS.slack,
    SLACK_API_BASE_URL: "http://slack.test/api",
    [CONNECTOR_FETCH]: (input: RequestInfo | URL, init?: RequestInit) =>
      sim.app.request(String(input).replace("http://slack.test", ""), init),
  };
  return { sim, config };
}

async function openCase(workflowId: string, n: number, errored: boolean, openedAt = NOW - HOUR / 2) {
  await db.insert(cases).values({
    caseId: `${workflowId}/k${n}`,
    caseKey: `k${n}`,
    workflowId,
    workflowVersion: 1,
    status: errored ? "failed" : "resolved",
    openedAt,
    updatedAt: openedAt,
    errored,
  });
}

const setErrored = (workflowId: string, n: number, errored: boolean) =>
  db
    .update(cases)
    .set({ errored })
    .where(eq(cases.caseId, `${workflowId}/k${n}`));

describe("checkAlerts", () => {
  it("tells a crossing once, clears when back within, tells the next crossing, and retries a failed delivery", async () => {
    const { sim, config } = slack();
    const rule = await addAlertRule(db, {
      workflowId: "wf-errors",
      metric: "error_rate",
      threshold: 0.3,
      windowMinutes: 60,
      minCases: 2,
      channel: "slack",
      target: "#ops-alerts",
      createdBy: "admin-ada",
    });
    await openCase("wf-errors", 1, true);
    await openCase("wf-errors", 2, false);
    await openCase("wf-errors", 3, true, NOW - 3 * HOUR); // outside the window

    expect(await checkAlerts(db, { config, now: NOW })).toMatchObject({ fired: 1, notified: 1 });
    expect(await checkAlerts(db, { config, now: NOW + 60_000 })).toMatchObject({ fired: 0, notified: 0 });
    expect(sim.messages).toHaveLength(1);
    expect(sim.messages[0]!.text).toBe("wf-errors: error rate 50 % is above 30 %");

    await setErrored("wf-errors", 1, false);
    expect(await checkAlerts(db, { config, now: NOW + 120_000 })).toMatchObject({ cleared: 1 });

    // Crossing again while Slack is down: claimed, not told; the next minute tells it, once.
    await setErrored("wf-errors", 1, true);
    sim.faults.push({ status: 500, times: 1 });
    expect(await checkAlerts(db, { config, now: NOW + 180_000 })).toMatchObject({ fired: 1, notified: 0, failed: 1 });
    const [failed] = await db.select().from(alertRules).where(eq(alertRules.id, rule.id));
    expect(failed).toMatchObject({ notifiedAt: null, lastError: expect.stringContaining("500") });
    expect(await checkAlerts(db, { config, now: NOW + 240_000 })).toMatchObject({ fired: 0, notified: 1 });
    expect(await checkAlerts(db, { config, now: NOW + 300_000 })).toMatchObject({ notified: 0 });
    expect(sim.messages).toHaveLength(2);

    const notices = await db
      .select()
      .from(alertNotices)
      .where(eq(alertNotices.ruleId, rule.id))
      .orderBy(alertNotices.id);
    expect(notices.map((n) => n.kind)).toEqual(["fired", "notified", "cleared", "fired", "notified"]);
  });

  it("does not judge a rate over fewer cases than the rule's minimum", async () => {
    const { sim, config } = slack();
    await addAlertRule(db, {
      workflowId: "wf-few",
      metric: "error_rate",
      threshold: 0.1,
      windowMinutes: 60,
      minCases: 5,
      channel: "slack",
      target: "#ops-alerts",
      createdBy: "admin-ada",
    });
    await openCase("wf-few", 1, true);
    expect(await checkAlerts(db, { config, now: NOW })).toMatchObject({ fired: 0 });
    expect(sim.messages).toHaveLength(0);
  });
});
