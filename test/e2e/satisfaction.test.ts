/**
 * Customer satisfaction end to end on `wrangler dev` with the simulators: an onboarding application resolves, the
 * satisfaction question goes out through the email simulator in the case's own thread, the customer answers "4" (a
 * signed Resend inbound webhook), the resolved case records it without moving its resolution, and the score reaches
 * the KPI the dashboard reads (satisfaction_rollups in libSQL), equal to the recount from the case's own trail.
 */

import { join } from "node:path";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client.ts";
import { dayOf } from "../../db/facts.ts";
import { satisfactionFiguresOf, satisfactionFromCases, satisfactionFromRollups } from "../../db/kpi/index.ts";
import { cases } from "../../db/schema.ts";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { readDemoManifest, verifySettled } from "../../scripts/kpi-verify.ts";
import { post, sign } from "../../scripts/senders.ts";
import { caseFacts } from "../../workers/metrics/index.ts";
import { CATALOGUE } from "../../workers/workflows/catalogue.ts";
import { runDemo, useStack } from "../support/stack.ts";
import { eventually } from "../support/wait.ts";

const stack = useStack("satisfaction");
const token = () => firstSecret(devVar("CROSSFLOW_API_TOKEN"));
const WF = "customer-onboarding";

const get = async (path: string) =>
  (await (
    await fetch(`${stack().worker.url}/api${path}`, { headers: { authorization: `Bearer ${token()}` } })
  ).json()) as any;

describe("satisfaction after resolution on wrangler dev", () => {
  it("asks after the case resolved, records the customer's 4, and the KPI shows it", async () => {
    const email = `csat-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const key = `customer:${email}`;
    const path = `/cases/${WF}/${encodeURIComponent(key)}`;
    const opened = await post(
      stack().worker.url,
      await sign.hmacSource("onboarding-form", devVar("ONBOARDING_FORM_SECRET")!, `app-${crypto.randomUUID()}`, {
        event: "application.submitted",
        application: {
          email,
          name: "Ada Byron",
          birthDate: "1990-12-10",
          country: "DE",
          plan: "fiber-500",
          paymentMethod: "pm_card_visa",
          consent: true,
          documents: [
            { type: "passport", fileName: "passport.pdf", contentType: "application/pdf", sizeBytes: 240_000 },
          ],
        },
      }),
    );
    expect(opened.status).toBe(202);
    // Provisioning confirms by its own signed webhook; the case resolves, then asks its question.
    const asked = await eventually(
      async () => ((v) => (v.wait?.stepId === "satisfaction:reply" ? v : undefined))(await get(path)),
      45_000,
      "the satisfaction question sent",
    );
    expect(asked.header).toMatchObject({ status: "resolved", outcome: "onboarded", workflowVersion: 4 });
    const closedAt = asked.header.closedAt;

    // The question went out through the email simulator, to the applicant, in the case's reply thread.
    const { sent } = (await (await fetch(`${stack().simulators.url}/resend/_sim/sent`)).json()) as {
      sent: { id: string; to: string[]; text: string; reply_to: string[] }[];
    };
    const question = sent.filter((m) => m.to.includes(email)).at(-1)!;
    expect(question.text).toContain("How satisfied are you");
    expect(question.reply_to[0]).toMatch(/^reply\+c[0-9a-f]{20}@/);

    // The customer answers it from their mail client (the simulator signs Resend's inbound webhook).
    const answered = (await (
      await fetch(`${stack().simulators.url}/resend/_sim/reply`, {
        method: "POST",
        body: JSON.stringify({ id: question.id, text: "4\n\nThanks, all smooth." }),
      })
    ).json()) as { worker: { status: number } };
    expect(answered.worker.status).toBe(202);
    const done = await eventually(
      async () => ((v) => (v.wait === null && v.pendingMetrics === 0 ? v : undefined))(await get(path)),
      30_000,
      "the answer recorded and reported",
    );
    expect(done.header).toMatchObject({ status: "resolved", outcome: "onboarded", closedAt });
    const audit = await get(`${path}/audit`);
    expect(audit.entries.find((e: any) => e.action === "satisfaction.answered")?.detail).toMatchObject({ score: 4 });
    expect(audit.verification.valid).toBe(true);

    // The KPI: this case's survey in the rollups the workflow page reads (this stack's only case), equal to the
    // recount from the case's own trail (what kpi:verify does).
    const db = openDatabase({ url: stack().libsql.url, authToken: stack().libsql.authToken });
    const day = dayOf(done.header.openedAt);
    const filter = { fromDay: day, toDay: day, workflowId: WF, version: 4 };
    const [row] = await db
      .select()
      .from(cases)
      .where(eq(cases.caseId, `${WF}/${key}`));
    expect(row).toMatchObject({
      satisfactionAsked: true,
      satisfactionReply: "answered",
      satisfactionScore: 4,
      closedAt,
    });
    const rolled = await satisfactionFromRollups(db, filter);
    expect(rolled.map(satisfactionFiguresOf)).toEqual([
      { asked: 1, answered: 1, meanScore: 4, responseRate: 1, unreadable: 0, unanswered: 0, awaiting: 0 },
    ]);
    const measures = CATALOGUE.find((w) => w.id === WF && w.version === 4)!;
    const facts = caseFacts("resolved", audit.entries, measures);
    const own = { workflowId: WF, workflowVersion: 4, openedAt: done.header.openedAt, ...facts };
    expect(satisfactionFromCases([own], filter)).toEqual(rolled);
  });

  it("the demo's customers answer some questions; kpi:verify finds the dashboard's satisfaction equal to the trails'", async () => {
    const manifest = join(stack().dataDir, "demo-cases.jsonl");
    process.env.CROSSFLOW_DEMO_MANIFEST = manifest;
    const summary = await runDemo(stack(), ["--cases", "16", "--workflow", "customer-onboarding"]);
    expect(summary.inFlight).toBe(0);
    const db = openDatabase({ url: stack().libsql.url, authToken: stack().libsql.authToken });
    const report = await verifySettled(
      { workerUrl: stack().worker.url, apiToken: token(), db, knownCases: readDemoManifest(manifest) },
      30_000,
    );
    expect(report.mismatches).toEqual([]);
    const today = dayOf(Date.now());
    const [v4] = await satisfactionFromRollups(db, { fromDay: today - 1, toDay: today, workflowId: WF, version: 4 });
    const figures = satisfactionFiguresOf(v4!);
    expect(figures.asked).toBeGreaterThan(1);
    expect(figures.answered).toBeGreaterThan(0);
    expect(figures.meanScore).toBeGreaterThanOrEqual(2);
  });
});
