/**
 * Customer satisfaction on the workflow page in Chromium against the real stack: per version, the mean score of the
 * answers, answered of asked and the response rate, from seeded case rows (the satisfaction rollups' triggers count
 * them); a workflow whose surveys went out but got no answer yet says "no replies yet", never a mean of 0. Every
 * expected figure is worked out here by hand from the rows. The table fits a phone's width.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client.ts";
import { cases } from "../../db/schema.ts";
import { ARTIFACTS, useBrowserStack } from "../support/browser-stack.ts";

const env = useBrowserStack("satisfaction");
let page: Page;

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY);
// A week long past, where no demo traffic or history lands: only this file's cases are in it.
const fromDay = today - 170;
const toDay = fromDay + 6;
const iso = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);
const pageOf = (workflow: string) => `${env.url()}/workflows/${workflow}?from=${iso(fromDay)}&to=${iso(toDay)}`;

type Row = typeof cases.$inferInsert;
function row(workflow: string, version: number, n: number, over: Partial<Row>): Row {
  const openedAt = (fromDay + 2) * DAY + n * 60_000;
  return {
    caseId: `${workflow}/csat-${n}`,
    caseKey: `csat-${n}`,
    workflowId: workflow,
    workflowVersion: version,
    status: "resolved",
    openedAt,
    updatedAt: openedAt + 3 * DAY,
    closedAt: openedAt + 30 * 60_000,
    outcome: "done",
    satisfactionAsked: true,
    ...over,
  };
}

// Onboarding v4: 5 asked; scores 5, 4 and 3 (mean 4.0), one no reply, one still waiting: 3 of 5, 60.0 %.
// Refund v2: 2 asked (one under each refund-limits version), neither answered yet: no replies yet, 0 of 2, 0.0 %.
const ROWS: Row[] = [
  ...[5, 4, 3].map((score, i) =>
    row("customer-onboarding", 4, i, { satisfactionReply: "answered", satisfactionScore: score }),
  ),
  row("customer-onboarding", 4, 3, { satisfactionReply: "unanswered" }),
  row("customer-onboarding", 4, 4, { satisfactionReply: null }),
  row("refund-dispute", 2, 5, { satisfactionReply: null, policyVersions: "refund-limits@1" }),
  row("refund-dispute", 2, 6, { satisfactionReply: null, policyVersions: "refund-limits@2" }),
];

beforeAll(async () => {
  const stack = env.stack();
  const db = openDatabase({ url: stack.libsql.url, authToken: stack.libsql.authToken });
  await db.insert(cases).values(ROWS);
  page = await env.signedIn();
}, 120_000);

const text = async (selector: string) =>
  ((await page.locator(selector).textContent()) ?? "").replace(/\s+/g, " ").trim();

describe("customer satisfaction on the workflow page", () => {
  it("shows the mean score, answered of asked and the response rate per version", async () => {
    await page.goto(pageOf("customer-onboarding"), { waitUntil: "networkidle" });
    const v4 = "[data-testid=satisfaction] tr[data-version='4']";
    expect(await text(`${v4} [data-testid=satisfaction-mean]`)).toBe("4.0");
    expect(await text(`${v4} [data-testid=satisfaction-answered]`)).toBe("3 of 5");
    expect(await text(`${v4} [data-testid=satisfaction-rate]`)).toBe("60.0 %");
    expect(await text(`${v4} [data-testid=satisfaction-unanswered]`)).toBe("1");
    expect(await text(`${v4} [data-testid=satisfaction-unreadable]`)).toBe("0");
    expect(await text(`${v4} [data-testid=satisfaction-awaiting]`)).toBe("1");
    await page.screenshot({ path: join(ARTIFACTS, "satisfaction-1440.png"), fullPage: true });
  });

  it("says no replies yet, never a mean of 0, before anyone answered; fits 390 px", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(pageOf("refund-dispute"), { waitUntil: "networkidle" });
    const v2 = "[data-testid=satisfaction] tr[data-version='2']";
    expect(await text(`${v2} [data-testid=satisfaction-mean]`)).toBe("no replies yet");
    expect(await text(`${v2} [data-testid=satisfaction-answered]`)).toBe("0 of 2");
    // Split by the refund limits each case decided under.
    const policy = (p: string) => `[data-testid=satisfaction-policies] tr[data-policies='${p}']`;
    expect(await text(policy("refund-limits@1"))).toContain("no replies yet");
    expect(await text(policy("refund-limits@2"))).toContain("0 of 1");
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(ARTIFACTS, "satisfaction-390.png"), fullPage: true });
  });
});
