/**
 * The baseline before automation in Chromium against the real stack: a workflow without one says so, with a link
 * for admins; an admin enters a baseline on the Baselines page (an out-of-range figure is refused in words, nothing
 * saved), and the workflow page then shows time saved, money, error reduction, drop-out and conversion change against
 * it, and the five costs of its exceptions. Every expected figure is worked out here from the seeded cases, by hand,
 * not by the functions the page uses. The page reads well at 390 px.
 */
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../dashboard/src/lib/server/accounts/index.ts";
import { openDatabase } from "../../db/client.ts";
import { cases } from "../../db/schema.ts";
import { CATALOGUE } from "../../workers/workflows/catalogue.ts";
import { ARTIFACTS, useBrowserStack } from "../support/browser-stack.ts";

const env = useBrowserStack("baseline");
const VIEWER = { username: "baseline-vera", password: "viewer-password-57", role: "viewer" } as const;
let admin: Page;

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY);
// A week long past, where no demo traffic or history lands: only this file's cases are in it.
const fromDay = today - 150;
const toDay = fromDay + 6;
const iso = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);
const WORKFLOW = "customer-onboarding";
const pageUrl = () => `${env.url()}/workflows/${WORKFLOW}?from=${iso(fromDay)}&to=${iso(toDay)}`;

type Row = typeof cases.$inferInsert;
const version = CATALOGUE.filter((w) => w.id === WORKFLOW).at(-1)!.version;
function row(n: number, minutesOpen: number | null, over: Partial<Row>): Row {
  const openedAt = (fromDay + 2) * DAY + n * 60_000;
  return {
    caseId: `${WORKFLOW}/baseline-${n}`,
    caseKey: `baseline-${n}`,
    workflowId: WORKFLOW,
    workflowVersion: version,
    status: "resolved",
    openedAt,
    updatedAt: openedAt,
    closedAt: minutesOpen === null ? null : openedAt + minutesOpen * 60_000,
    outcome: "onboarded",
    succeeded: true,
    droppedOut: false,
    ...over,
  };
}

// 20 applications: 12 onboarded alone in 30 min; 4 onboarded after a person's document review (20 min each, 240 min
// to resolve, one proposal each, one of them rejected); 2 failed (10 min of a person each, one by a step's error);
// 2 dropped out, their question unanswered.
const ROWS: Row[] = [
  ...Array.from({ length: 12 }, (_, i) => row(i, 30, {})),
  ...Array.from({ length: 4 }, (_, i) =>
    row(12 + i, 240, {
      humanTouch: true,
      handedToPerson: true,
      humanDecisions: 1,
      humanMinutes: 20,
      exception: "document-review",
      proposals: 1,
      proposalsRejected: i === 0 ? 1 : 0,
    }),
  ),
  row(16, 90, {
    status: "failed",
    outcome: null,
    succeeded: false,
    humanTouch: true,
    humanMinutes: 10,
    errored: true,
    exception: "step-error",
  }),
  row(17, 90, {
    status: "failed",
    outcome: null,
    succeeded: false,
    humanTouch: true,
    humanMinutes: 10,
    exception: "screening-hit",
  }),
  ...[18, 19].map((n) =>
    row(n, null, {
      status: "escalated",
      outcome: null,
      succeeded: false,
      droppedOut: true,
      escalated: true,
      exception: "document-id-no-reply",
    }),
  ),
];

// The baseline the admin enters: 30 min per case, 10 % errors, 27 % drop-out, 40 % conversion, €60 an hour.
// By hand from ROWS: 20 × 30 = 600 min by hand, people measured 4 × 20 + 2 × 10 = 100 min: 500 min = 8.33 h saved,
// €500.00. Errors 1/20 = 5.0 % (−5.0 pp), drop-out 2/20 = 10.0 % (−17.0 pp), conversion 16/20 = 80.0 % (+40.0 pp).
// Exceptions: 8 cases, 100 min (1.7 h); resolved with one in 240 min on average, without in 30: +3 h 30 min; 1 of 4
// proposals rejected, 1 errored case; €100.00 of time; at 2× 3.3 h and €200.00, at 5× 8.3 h and €500.00.
function wilson(k: number, n: number) {
  const z = 1.959963984540054;
  const p = k / n;
  const centre = p + (z * z) / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  const d = 1 + (z * z) / n;
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  return `95 %: ${pct((centre - spread) / d)}–${pct((centre + spread) / d)}`;
}

beforeAll(async () => {
  const stack = env.stack();
  const db = openDatabase({ url: stack.libsql.url, authToken: stack.libsql.authToken });
  const [before] = await db.all<{ n: number }>(
    sql`SELECT count(*) AS n FROM cases WHERE workflow_id = ${WORKFLOW} AND opened_at >= ${fromDay * DAY} AND opened_at < ${(toDay + 1) * DAY}`,
  );
  expect(Number(before!.n)).toBe(0);
  await db.insert(cases).values(ROWS);
  await createUser(db, VIEWER);
  admin = await env.signedIn();
}, 120_000);

const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).textContent()) ?? "").replace(/\s+/g, " ").trim();

describe("the baseline before automation", () => {
  it("without a baseline the page says so and links admins to enter one; opportunity needs one", async () => {
    await admin.goto(pageUrl(), { waitUntil: "networkidle" });
    expect(await text(admin, "[data-testid=no-baseline]")).toContain("No baseline before automation has been entered");
    expect(await admin.locator("[data-testid=no-baseline] a").getAttribute("href")).toBe(
      `/admin/baselines?workflow=${WORKFLOW}`,
    );
    expect(await text(admin, "[data-cost=opportunity]")).toContain(
      "not measured: it needs the cost of a person's hour",
    );
    expect(await text(admin, "[data-cost=time] [data-testid=figure]")).toBe("1.7 h");
  });

  it("an admin enters a baseline: a figure out of range is refused in words, a valid one saved with who and why", async () => {
    await admin.goto(`${env.url()}/admin/baselines?workflow=${WORKFLOW}`, { waitUntil: "networkidle" });
    const section = admin.locator(`[data-baseline="${WORKFLOW}"]`);
    const fill = async (values: Record<string, string>) => {
      for (const [name, value] of Object.entries(values)) await section.locator(`input[name=${name}]`).fill(value);
    };
    await fill({
      minutesPerCase: "30",
      errorRate: "120",
      dropOutRate: "27",
      conversionRate: "40",
      costPerHour: "60",
      currency: "EUR",
      reason: "2025 time study",
    });
    await section.getByRole("button", { name: "Save as a new version" }).click();
    await section.getByTestId("baseline-problems").waitFor({ timeout: 15_000 });
    expect(await text(admin, `[data-baseline="${WORKFLOW}"] [data-testid=baseline-problems]`)).toBe(
      "The error rate cannot be above 100 %",
    );
    expect(await section.getByTestId("baseline-history").count()).toBe(0);

    await fill({ errorRate: "10", reason: "2025 time study of 200 applications" });
    await section.getByRole("button", { name: "Save as a new version" }).click();
    await section
      .getByTestId("baseline-message")
      .filter({ hasText: "Saved as version 1" })
      .waitFor({ timeout: 15_000 });
    const history = section.locator("[data-testid=baseline-history] tr[data-version='1'] td");
    expect((await history.allTextContents()).map((t) => t.trim())).toEqual([
      "1",
      expect.any(String),
      env.firstAdmin().username,
      "2025 time study of 200 applications",
      "30",
      "10 %",
      "27 %",
      "40 %",
      "€60.00",
    ]);
  });

  it("the workflow page shows the change against the baseline and the five costs of exceptions", async () => {
    await admin.goto(pageUrl(), { waitUntil: "networkidle" });
    expect(await text(admin, "[data-testid=time-saved] [data-testid=hours]")).toBe("8.3 h");
    expect(await text(admin, "[data-testid=time-saved]")).toContain(
      "20 cases × 30 min by hand = 10 h; people spent 1.7 h on them (measured)",
    );
    expect(await text(admin, "[data-testid=money-saved] [data-testid=amount]")).toBe("€500.00");
    const rate = async (id: string) => ({
      change: await text(admin, `[data-testid=${id}] [data-testid=change]`),
      now: await text(admin, `[data-testid=${id}] [data-testid=now]`),
      before: await text(admin, `[data-testid=${id}] [data-testid=before]`),
      all: await text(admin, `[data-testid=${id}]`),
    });
    const errors = await rate("error-change");
    expect(errors).toMatchObject({ change: "−5.0 pp", now: "5.0 % now", before: "10.0 %" });
    expect(errors.all).toContain(`(${wilson(1, 20)}, 20 cases)`);
    const dropOut = await rate("drop-out-change");
    expect(dropOut).toMatchObject({ change: "−17.0 pp", now: "10.0 % now", before: "27.0 %" });
    expect(dropOut.all).toContain(wilson(2, 20));
    const conversion = await rate("conversion-change");
    expect(conversion).toMatchObject({ change: "+40.0 pp", now: "80.0 % now", before: "40.0 %" });
    expect(conversion.all).toContain(wilson(16, 20));

    const cost = (part: string) => text(admin, `[data-cost=${part}]`);
    expect(await cost("time")).toContain("1.7 h on 8 cases with an exception");
    expect(await text(admin, "[data-cost=speed] [data-testid=figure]")).toBe("+3 h 30 min");
    expect(await cost("speed")).toContain("4 h on average with an exception (4 cases), 30 min without (12)");
    expect(await text(admin, "[data-cost=errors] [data-testid=figure]")).toBe("1 of 4");
    expect(await cost("errors")).toContain(
      "1 of 4 proposals rejected by a person (25.0 %); 1 case where a step's error reached a person or failed the case",
    );
    expect(await text(admin, "[data-cost=opportunity] [data-testid=figure]")).toBe("€100.00");
    expect(await text(admin, "[data-cost=scale] [data-factor='2']")).toBe(
      "at 2× today's volume: 3.3 h, €200.00 in 7 days",
    );
    expect(await text(admin, "[data-cost=scale] [data-factor='5']")).toBe(
      "at 5× today's volume: 8.3 h, €500.00 in 7 days",
    );
    // The counts lead to the case list over the same cases.
    const listed = async (testid: string) => {
      const href = await admin.locator(`[data-testid=exception-costs] [data-testid=${testid}]`).getAttribute("href");
      const list = await env.signedIn();
      await list.goto(`${env.url()}${href}`, { waitUntil: "networkidle" });
      const total = Number(await list.getByTestId("case-count").getAttribute("data-total"));
      await list.close();
      return total;
    };
    expect(await listed("cost-drill-exceptions")).toBe(8);
    expect(await listed("cost-drill-errored")).toBe(1);
    for (const part of ["time", "speed", "errors", "opportunity", "scale"])
      expect(await admin.locator(`[data-cost=${part}] small`).count()).toBe(1);
    await admin
      .locator("[data-testid=baseline-comparison]")
      .screenshot({ path: join(ARTIFACTS, "baseline-comparison.png") });
    await admin.locator("[data-testid=exception-costs]").screenshot({ path: join(ARTIFACTS, "exception-costs.png") });
  });

  it("is for admins: a viewer cannot open the Baselines page and is not offered the link", async () => {
    const viewer = await env.signedIn(VIEWER);
    const res = await viewer.goto(`${env.url()}/admin/baselines`);
    expect(res!.status()).toBe(403);
    await viewer.goto(pageUrl(), { waitUntil: "networkidle" });
    expect(await viewer.locator("[data-testid=baseline-comparison] a").count()).toBe(0);
    expect(await text(viewer, "[data-testid=time-saved] [data-testid=hours]")).toBe("8.3 h");
  });

  it("reads at 390 px: nothing of the comparison or the costs runs off the screen", async () => {
    const phone = await env.signedIn(undefined, { width: 390, height: 844 });
    await phone.goto(pageUrl(), { waitUntil: "networkidle" });
    for (const id of ["baseline-comparison", "exception-costs"]) {
      const box = await phone.locator(`[data-testid=${id}]`).boundingBox();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
      const overflowing = await phone
        .locator(`[data-testid=${id}] *`)
        .evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().right > 390.5).length);
      expect(overflowing).toBe(0);
    }
    await phone.locator("[data-testid=baseline-comparison]").scrollIntoViewIfNeeded();
    await phone.screenshot({ path: join(ARTIFACTS, "baseline-mobile.png"), fullPage: false });
  });
});
