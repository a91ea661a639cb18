/**
 * Every page of the dashboard at a desktop's 1440 px and a phone's 390 px (issue 18, done-when 3): after demo
 * traffic and two days of demo history (so every page also carries its banner), each route found in dashboard/src/routes is opened as the first admin (the sign-in page as nobody), and
 * none scrolls sideways (the page's width stays within the window: wide tables scroll inside their own box), none
 * writes an error to the console (a Content-Security-Policy violation included) or throws, and no request it makes
 * fails or answers an error. A screenshot of each is kept in test/artifacts/routes/.
 */
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { sql } from "drizzle-orm";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { casePath } from "../../dashboard/src/lib/cases/format.ts";
import { historyPath } from "../../dashboard/src/lib/demo-history.ts";
import { openDatabase } from "../../db/client.ts";
import { generateHistory } from "../../scripts/demo-history/generate.ts";
import { quietly } from "../../scripts/demo-history/quietly.ts";
import { storeHistory } from "../../scripts/demo-history/store.ts";
import { ROOT } from "../../scripts/stack.ts";
import { ARTIFACTS, useBrowserStack } from "../support/browser-stack.ts";
import { runDemo } from "../support/stack.ts";

const env = useBrowserStack("routes");
const ROUTES_DIR = join(ROOT, "dashboard", "src", "routes");
const SHOTS = join(ARTIFACTS, "routes");
const VIEWPORTS = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
];

/** Every page route, as its path pattern (`/workflows/[id]/rollout`), from the +page.svelte files. */
function pageRoutes(dir = ROUTES_DIR): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...pageRoutes(path));
    else if (name === "+page.svelte") {
      // Route groups `(name)` do not appear in the URL.
      const parts = relative(ROUTES_DIR, dir)
        .split(sep)
        .filter((p) => p && !/^\(.*\)$/.test(p));
      found.push(`/${parts.join("/")}`);
    }
  }
  return found.sort();
}

/** Cases whose pages differ most: a pending approval, an escalation, an ended case (those the demo left). */
let samples: { workflow: string; caseKey: string; caseId: string; kind: string }[];
/** A demo history case, for its generated summary's page. */
let historyCase: { workflow: string; caseKey: string };

beforeAll(async () => {
  const db = openDatabase({ url: env.stack().libsql.url, authToken: env.stack().libsql.authToken });
  await storeHistory(db, await quietly(() => generateHistory({ seed: 18, end: Date.now(), days: 2 })));
  const [h] = await db.all<{ workflow_id: string; case_key: string }>(
    sql`SELECT workflow_id, case_key FROM demo_history LIMIT 1`,
  );
  historyCase = { workflow: h!.workflow_id, caseKey: h!.case_key };
  await runDemo(env.stack(), ["--cases", "16"]);
  const rows = await db.all<{ workflow_id: string; case_key: string; case_id: string; kind: string }>(
    sql`SELECT workflow_id, case_key, case_id, kind FROM (
          SELECT workflow_id, case_key, case_id, opened_at,
            CASE WHEN awaiting_person = 1 AND status = 'escalated' THEN 'escalation'
                 WHEN awaiting_person = 1 THEN 'approval'
                 WHEN status IN ('resolved', 'failed') THEN 'ended' ELSE 'in flight' END AS kind
          FROM cases WHERE case_id NOT IN (SELECT case_id FROM demo_history))
        GROUP BY kind`,
  );
  samples = rows.map((r) => ({ workflow: r.workflow_id, caseKey: r.case_key, caseId: r.case_id, kind: r.kind }));
  expect(samples.length).toBeGreaterThan(0);
  mkdirSync(SHOTS, { recursive: true });
}, 240_000);

/**
 * The concrete URLs for a route pattern (a case page once per sample case); a route with a parameter not named here
 * fails the test, so none is skipped.
 */
function urlsOf(route: string): { name: string; url: string }[] {
  if (route === "/cases/[workflow]/[key]")
    return samples.map((c) => ({ name: `${route} (${c.kind})`, url: casePath(c.workflow, c.caseKey, c.caseId) }));
  if (route === "/demo-history/[workflow]/[key]")
    return [{ name: route, url: historyPath(historyCase.workflow, historyCase.caseKey) }];
  const url = route.replace(/\[(\w+)\]/g, (_, name: string) => {
    if (name === "id" || name === "workflow") return samples[0]!.workflow;
    throw new Error(`routes.test.ts has no value for the route parameter [${name}] of ${route}`);
  });
  return [{ name: route, url }];
}

interface Visit {
  console: string[];
  failed: string[];
  wider: number;
  /** When the page is wider than the window: the innermost elements that reach past its right edge. */
  overflowing?: string[];
}

/** The elements past the window's right edge none of whose children are (where to look first). */
const OVERFLOWING = `[...document.querySelectorAll("main *")]
  .filter((e) => e.getBoundingClientRect().right > innerWidth + 1 && ![...e.children].some((c) => c.getBoundingClientRect().right > innerWidth + 1))
  .slice(0, 5)
  .map((e) => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).trim().split(/\\s+/).join(".") : "") + ": " + (e.textContent || "").trim().slice(0, 60))`;

/** Opens `url` in `page`, waits until it is quiet, and says what went wrong on the way. */
async function visit(page: Page, url: string, shot: string): Promise<Visit> {
  // Leave the previous page first: what it still had in flight (a live page's refresh) is cancelled by the browser as
  // it goes, and that cancellation is neither this page's request nor a failure.
  await page.goto("about:blank");
  const problems: Visit = { console: [], failed: [], wider: 0 };
  page.on("console", (m) => {
    if (m.type() === "error") problems.console.push(m.text());
  });
  page.on("pageerror", (e) => problems.console.push(`uncaught: ${e.message}`));
  page.on("requestfailed", (r) => {
    // The one abort that is no failure: the page's own document superseded by a load of the same address (Vite's dev
    // server reloads open pages when it optimizes a newly seen dependency or a file it watches changes); goto's answer
    // below must still be a 2xx.
    if (r.resourceType() === "document" && r.url() === url && r.failure()?.errorText === "net::ERR_ABORTED") return;
    problems.failed.push(`${r.method()} ${r.url()} (${r.resourceType()}): ${r.failure()?.errorText}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.failed.push(`${r.request().method()} ${r.url()}: ${r.status()}`);
  });
  await page.addInitScript({
    content:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the page's own script, in which the template literal runs
      'document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));',
  });
  const response = await page.goto(url, { waitUntil: "networkidle" });
  if (!response?.ok()) problems.failed.push(`GET ${url}: ${response?.status()}`);
  problems.wider = Number(
    await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"),
  );
  if (problems.wider > 0) problems.overflowing = (await page.evaluate(OVERFLOWING)) as string[];
  await page.screenshot({ path: join(SHOTS, shot), fullPage: true });
  page.removeAllListeners();
  return problems;
}

const fileName = (route: string, width: number) =>
  `${
    route === "/"
      ? "overview"
      : route
          .slice(1)
          .replace(/[/[\]() ]+/g, "-")
          .replace(/-$/, "")
  }-${width}.png`;

describe("every route at 1440 and 390 px", () => {
  it("finds the dashboard's pages", () => {
    const routes = pageRoutes();
    expect(routes).toEqual(expect.arrayContaining(["/", "/cases", "/inbox", "/login", "/readiness", "/rollouts"]));
  });

  for (const viewport of VIEWPORTS) {
    it(`fits ${viewport.width} px with no console error and no failing request, as an admin`, async () => {
      const page = await env.signedIn(undefined, viewport);
      const results: Record<string, Visit> = {};
      for (const route of pageRoutes().filter((r) => r !== "/login"))
        for (const { name, url } of urlsOf(route))
          results[name] = await visit(page, `${env.url()}${url}`, fileName(name, viewport.width));
      const clean = Object.fromEntries(Object.keys(results).map((r) => [r, { console: [], failed: [], wider: 0 }]));
      expect(results).toEqual(clean);
      await page.close();
    }, 180_000);

    it(`shows the sign-in page at ${viewport.width} px to someone signed out, the username field focused`, async () => {
      const page = await env.page(viewport);
      const result = await visit(page, `${env.url()}/login`, fileName("/login", viewport.width));
      expect(result).toEqual({ console: [], failed: [], wider: 0 });
      expect(await page.evaluate("document.activeElement?.getAttribute('name')")).toBe("username");
      await page.close();
    }, 60_000);
  }

  it("shows the case list and the rollouts as cards of labelled lines on a phone, and as tables on a desktop", async () => {
    // One shared class (table.cards-on-phone in app.css) serves both pages: each row a card, each cell its label
    // beside its value; at a desktop's 1280 px a table whose exception words wrap (a long one on one line widened the
    // case list past its box). Nothing scrolls sideways inside its box at either width.
    const layout = (testId: string) => `(() => {
      const table = document.querySelector('[data-testid="${testId}"]');
      const cell = table.querySelector("tbody td[data-label]");
      return {
        head: getComputedStyle(table.querySelector("thead")).display,
        label: getComputedStyle(cell, "::before").content,
        dataLabel: cell.dataset.label,
        scrolled: table.parentElement.scrollWidth - table.parentElement.clientWidth,
      };
    })()`;
    for (const [width, cards] of [
      [390, true],
      [1280, false],
    ] as const) {
      const page = await env.signedIn(undefined, { width, height: 844 });
      for (const [route, testId] of [
        ["/cases", "case-table"],
        ["/rollouts", "rollouts"],
      ] as const) {
        await page.goto(`${env.url()}${route}`, { waitUntil: "networkidle" });
        await page.getByTestId(testId).waitFor();
        const seen = (await page.evaluate(layout(testId))) as Record<string, string | number>;
        expect(seen.head, `${route} at ${width} px`).toBe(cards ? "none" : "table-header-group");
        expect(seen.label, `${route} at ${width} px`).toBe(cards ? JSON.stringify(seen.dataLabel) : "none");
        expect(seen.scrolled, `${route} at ${width} px`).toBe(0);
      }
      await page.close();
    }
  }, 60_000);

  it("offers a skip link to the page's content as the first thing the keyboard reaches", async () => {
    const page = await env.signedIn(undefined, { width: 390, height: 844 });
    await page.goto(`${env.url()}/cases`, { waitUntil: "networkidle" });
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement?.textContent?.trim()")).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(await page.evaluate("document.activeElement?.id")).toBe("content");
    // Every nav link is on screen on a phone: none cut off at the edge.
    const outside = await page
      .getByTestId("nav")
      .locator("a")
      .evaluateAll((links) => links.filter((a) => a.getBoundingClientRect().right > 390).map((a) => a.textContent));
    expect(outside).toEqual([]);
    await page.close();
  });
});
