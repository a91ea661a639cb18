/**
 * The demo history as a person first meets it, in Chromium against the real stack: `npm start`'s 30 days loaded into
 * the stack's empty database, every page labelled as including demo data, the overview's charts drawn over the month,
 * a history case's page saying in words that its journal is not kept, and the label gone once the history is removed.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client.ts";
import { generateHistory } from "../../scripts/demo-history/generate.ts";
import { quietly } from "../../scripts/demo-history/quietly.ts";
import { clearHistory, databaseIsEmpty, storeHistory } from "../../scripts/demo-history/store.ts";
import { CATALOGUE } from "../../workers/workflows/catalogue.ts";
import { ARTIFACTS, useBrowserStack } from "../support/browser-stack.ts";

const env = useBrowserStack("demo-history");
const db = () => openDatabase({ url: env.stack().libsql.url, authToken: env.stack().libsql.authToken });
let page: Page;
/** Requests answered 4xx/5xx and console errors, on every page this file visits. */
const failures: string[] = [];

/** The points of a sparkline's path (`M`/`L` commands): one per day with a value. */
const points = (d: string | null) => (d ?? "").match(/[ML]/g)?.length ?? 0;

beforeAll(async () => {
  expect(await databaseIsEmpty(db())).toBe(true);
  await storeHistory(db(), await quietly(() => generateHistory({ seed: 18, end: Date.now() })));
  page = await env.signedIn(undefined, { width: 1440, height: 1000 });
  page.on("response", (r) => {
    if (r.status() >= 400) failures.push(`${r.status()} ${r.url()}`);
  });
  page.on("console", (m) => {
    if (m.type() === "error") failures.push(`console: ${m.text()}`);
  });
}, 240_000);

describe("the demo history in the dashboard", () => {
  it("labels the overview and draws every card's charts over the month", async () => {
    await page.goto(`${env.url()}/`, { waitUntil: "networkidle" });
    await expect
      .poll(() => page.getByTestId("demo-history-banner").textContent())
      .toMatch(/Demo data:.*made-up cases/s);
    expect(await page.getByTestId("demo-history-banner").textContent()).toContain("npm run demo:clear-history");
    const cards = page.locator("article.card");
    expect(await cards.count()).toBe(5);
    // No card says "not enough data": every sparkline is drawn, the cases-opened one through ≥ 20 days.
    expect(await page.getByTestId("sparkline-none").count()).toBe(0);
    for (const card of await cards.all()) {
      const opened = card.locator('svg.sparkline[aria-label^="Cases this period"] path');
      expect(points(await opened.getAttribute("d"))).toBeGreaterThanOrEqual(20);
    }
    await page.screenshot({ path: join(ARTIFACTS, "demo-history-overview.png"), fullPage: true });
  });

  it("labels every workflow page, whose charts show the month day by day", async () => {
    const ids = [...new Set(CATALOGUE.map((w) => w.id))];
    for (const id of ids) {
      await page.goto(`${env.url()}/workflows/${id}?days=30`, { waitUntil: "networkidle" });
      await expect.poll(() => page.getByTestId("demo-history-banner").count()).toBe(1);
      expect(Number((await page.getByTestId("kpi-cases").textContent())?.replace(/\D/g, ""))).toBeGreaterThan(50);
      // Daily buckets over the month (the hourly view is for a period whose cases all opened in its last two days).
      expect(await page.getByTestId("hourly-note").count()).toBe(0);
      expect(await page.locator("canvas").count()).toBeGreaterThan(0);
    }
    for (const path of ["/cases", "/inbox", "/readiness", "/rollouts"]) {
      await page.goto(`${env.url()}${path}`, { waitUntil: "networkidle" });
      await expect.poll(() => page.getByTestId("demo-history-banner").count()).toBe(1);
    }
  });

  it("marks history cases in the list, and their page says the journal is not kept", async () => {
    await page.goto(`${env.url()}/cases`, { waitUntil: "networkidle" });
    const tag = page.getByTestId("demo-case").first();
    await tag.waitFor();
    const link = tag.locator("xpath=preceding-sibling::a[1]");
    const key = await link.textContent();
    await link.click();
    await page.waitForURL(/\/demo-history\//);
    expect(await page.getByTestId("case-key").textContent()).toBe(key);
    expect(await page.getByTestId("demo-history-case").textContent()).toContain(
      "Demo history: generated summary; its step journal is not kept.",
    );
    expect(await page.getByTestId("demo-history-trail").locator("li").count()).toBeGreaterThan(3);
    // The case page's own address for it leads to the same summary.
    const [, workflow, encodedKey] = new URL(page.url()).pathname.split("/").slice(1);
    await page.goto(`${env.url()}/cases/${workflow}/${encodedKey}`, { waitUntil: "networkidle" });
    expect(new URL(page.url()).pathname).toBe(`/demo-history/${workflow}/${encodedKey}`);
    expect(failures).toEqual([]);
  });

  it("drops the label once the history is removed", async () => {
    expect((await clearHistory(db())).cases).toBeGreaterThan(500);
    await page.goto(`${env.url()}/`, { waitUntil: "networkidle" });
    expect(await page.getByTestId("demo-history-banner").count()).toBe(0);
    expect(await page.getByTestId("demo-case").count()).toBe(0);
    expect(failures).toEqual([]);
  });
});
