/**
 * The Rollouts page in Chromium against the real stack: an admin creates refund-dispute's policy (v2 as a canary
 * against v1), sets the candidate's share, promotes it and halts it, each with a reason; after each, the page and the
 * worker's case API agree, and the history says who did it and why. A change made from a page that was loaded before
 * another change is refused with the reason to reload. Viewers and operators read everything but see no control,
 * and their forged form posts are refused (403) and change nothing. An admin runs a candidate in the shadow over the
 * demo's recorded cases and opens the report the API stored, and demotes the refund action's autonomy one rung. The
 * page fits a phone screen.
 */
import { join } from "node:path";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../dashboard/src/lib/server/accounts/index.ts";
import { openDatabase } from "../../db/client.ts";
import { cases } from "../../db/schema.ts";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import type { Stack } from "../../scripts/stack.ts";
import type { AutonomyView, RolloutView } from "../../workers/case-api.ts";
import { ARTIFACTS, useBrowserStack } from "../support/browser-stack.ts";
import { runDemo } from "../support/stack.ts";
import { eventually } from "../support/wait.ts";

const OPERATOR = { username: "ops-otto", password: "operator-password-2", role: "operator" } as const;
const VIEWER = { username: "view-vera", password: "viewer-password-34", role: "viewer" } as const;
const WORKFLOW = "refund-dispute";

const env = useBrowserStack("rollouts");
let stack: Stack;
let url: string;
let admin: Page;

beforeAll(async () => {
  stack = env.stack();
  url = env.url();
  const db = openDatabase({ url: stack.libsql.url, authToken: stack.libsql.authToken });
  await createUser(db, OPERATOR);
  await createUser(db, VIEWER);
  admin = await env.signedIn();
}, 120_000);

/** A GET on the worker's case API with the dashboard's token: what the page must agree with. */
async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${stack.worker.url}/api/${path}`, {
    headers: { authorization: `Bearer ${firstSecret(devVar("CROSSFLOW_API_TOKEN"))}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}
const apiRollout = () => api<RolloutView>(`rollouts/${WORKFLOW}`);

const pagePath = `/workflows/${WORKFLOW}/rollout`;
const shareOnPage = (page: Page, version: number) =>
  page.locator(`table[data-testid=shares] tr[data-version="${version}"] [data-testid=share]`).textContent();
const shareInApi = (view: RolloutView, version: number) =>
  view.policy?.shares.find((s) => s.version === version)?.percent ?? 0;

/** Fills the reason and presses one of the candidate's buttons, then waits for the page to say it was done. */
async function act(page: Page, button: RegExp, reason: string, done: string, percent?: string) {
  const form = page.getByTestId("act-form");
  await form.getByLabel(/^Reason/).fill(reason);
  if (percent !== undefined) await form.getByLabel(/share \(%\)/).fill(percent);
  await form.getByRole("button", { name: button }).click();
  await page.getByTestId("form-done").filter({ hasText: done }).waitFor({ timeout: 15_000 });
}

describe("the Rollouts page", () => {
  it("an admin runs a candidate in the shadow over recorded cases and opens its report, as the API has it", async () => {
    await runDemo(stack, ["--cases", "12", "--workflow", WORKFLOW]);
    const db = openDatabase({ url: stack.libsql.url, authToken: stack.libsql.authToken });
    // First in the file: before any policy (the demo's approvals go the newest version's way) and before the autonomy
    // test (with refunds demoted to "always ask", the demo's refunds would wait for a person).
    // Recorded cases: refund-dispute's that ended or went to a person, on whichever version the policy gave them.
    const recorded = () =>
      db
        .select({ version: cases.workflowVersion, n: sql<number>`count(*)` })
        .from(cases)
        .where(and(eq(cases.workflowId, WORKFLOW), inArray(cases.status, ["resolved", "failed", "escalated"])))
        .groupBy(cases.workflowVersion);
    const byVersion = await eventually(
      async () => {
        const rows = await recorded();
        return rows.reduce((sum, r) => sum + Number(r.n), 0) >= 3 ? rows : undefined;
      },
      90_000,
      "recorded cases",
    );
    // The candidate runs on the cases another version handled: the version with the most of them is not the candidate.
    const most = byVersion.reduce((a, b) => (Number(b.n) > Number(a.n) ? b : a));
    const candidate = most.version === 2 ? "1" : "2";

    await admin.goto(`${url}${pagePath}`, { waitUntil: "networkidle" });
    const form = admin.getByTestId("shadow-form");
    await form.getByRole("combobox", { name: /^Candidate/ }).selectOption(candidate);
    await form.getByLabel(/^Newest cases/).fill("20");
    await form.getByRole("button", { name: "Run in the shadow" }).click();
    const report = admin.getByTestId("shadow-report");
    await admin.locator("[data-testid=shadow-report], [data-testid=form-error]").first().waitFor({ timeout: 180_000 });
    expect(await admin.getByTestId("form-error").allTextContents()).toEqual([]);
    const { reports } = await api<{ reports: { id: string; counts: { cases: number; same: number } }[] }>(
      `rollouts/${WORKFLOW}/shadow-runs`,
    );
    expect(reports).toHaveLength(1);
    const [summary] = reports;
    expect(await report.getAttribute("data-report")).toBe(summary!.id);
    expect(summary!.counts.cases).toBeGreaterThan(0);
    const row = admin.locator(`table[data-testid=shadow-reports] tr[data-report="${summary!.id}"] td`);
    expect(await row.nth(2).textContent()).toBe(String(summary!.counts.cases));
    expect(await row.nth(3).textContent()).toBe(String(summary!.counts.same));
    // Every case that did not come out the same is listed with its verdict; the same ones only when asked.
    const differing = summary!.counts.cases - summary!.counts.same;
    expect(await report.locator("section.case").count()).toBe(differing);
    await report.getByLabel(/also show the/).check();
    expect(await report.locator("section.case").count()).toBe(summary!.counts.cases);
    await admin.screenshot({ path: join(ARTIFACTS, "rollout-shadow.png"), fullPage: true });
  }, 300_000);

  it("an admin creates a canary policy, sets the share, promotes and halts; the page, the API and the history agree", async () => {
    await admin.goto(`${url}/workflows/${WORKFLOW}`, { waitUntil: "networkidle" });
    await admin.getByTestId("rollout-link").click();
    await admin.waitForURL(new RegExp(`${pagePath}$`));
    await admin.waitForLoadState("networkidle"); // hydrated: the forms submit through SvelteKit
    const before = await apiRollout();
    expect(before.policy).toBeNull();
    expect(before.versions.slice(0, 2)).toEqual([2, 1]);
    expect(await admin.getByTestId("no-policy").textContent()).toBe(
      "No policy: the newest version (v2) takes every new case.",
    );

    await admin.screenshot({ path: join(ARTIFACTS, "rollout-no-policy.png"), fullPage: true });
    // The policy: v2 takes 10 % as a canary against v1, with an error-rate guard.
    await admin.getByText("Create a policy").click();
    const policy = admin.getByTestId("policy-form");
    await policy.getByRole("combobox", { name: /^Baseline/ }).selectOption("1");
    await policy.getByRole("combobox", { name: /^Candidate/ }).selectOption("2");
    await policy.getByLabel("Share of v1 (%)").fill("90");
    await policy.getByLabel("Share of v2 (%)").fill("10");
    await policy.getByRole("checkbox", { name: "Error rate" }).check();
    await policy.getByLabel("Tell on Slack (channels, comma-separated)").fill("#refunds");
    await policy.getByLabel(/^Reason/).fill("v2 canary on a tenth of new tickets");
    await policy.getByRole("button", { name: "Save the policy" }).click();
    await admin.getByTestId("form-done").filter({ hasText: "Policy saved." }).waitFor({ timeout: 15_000 });
    await expect.poll(() => admin.getByTestId("state").textContent()).toBe("canary");
    let view = await apiRollout();
    expect(view.policy).toMatchObject({ baseline: 1, candidate: 2, state: "canary", notify: { slack: ["#refunds"] } });
    expect(view.policy?.guards).toEqual([{ metric: "errorRate", maxWorseBy: 0.05 }]);
    expect(await shareOnPage(admin, 2)).toContain("10 %");
    expect(await admin.locator("table[data-testid=guards] tr[data-metric=errorRate]").count()).toBe(1);

    await act(admin, /^Set share$/, "more traffic for a faster verdict", "Share set to 25 %.", "25");
    view = await apiRollout();
    expect([shareInApi(view, 1), shareInApi(view, 2)]).toEqual([75, 25]);
    await expect.poll(() => shareOnPage(admin, 2)).toContain("25 %");

    await act(admin, /^Promote to 50 %$/, "guards held over the weekend", "Promoted.");
    view = await apiRollout();
    expect(shareInApi(view, 2)).toBe(50);
    await expect.poll(() => shareOnPage(admin, 2)).toContain("50 %");

    await act(admin, /^Halt v2/, "refund complaints from support", "Halted.");
    view = await apiRollout();
    expect(view.policy).toMatchObject({ candidate: 2, state: "halted" });
    expect([shareInApi(view, 1), shareInApi(view, 2)]).toEqual([100, 0]);
    await expect.poll(() => admin.getByTestId("state").textContent()).toBe("halted");
    expect(await shareOnPage(admin, 2)).toContain("0 %");

    // The history, newest first: each change with who made it and why, as the API's change log has it.
    const actor = `person:${env.firstAdmin().username} via dashboard`;
    const history = admin.getByTestId("history").locator(":scope > li");
    expect(await history.count()).toBe(view.changes.length);
    expect(view.changes).toHaveLength(4);
    const first = history.first();
    expect(await first.getByTestId("history-action").textContent()).toBe("halt");
    expect(await first.getByTestId("history-actor").textContent()).toBe(actor);
    expect(await first.getByTestId("history-reason").textContent()).toBe("refund complaints from support");
    expect(view.changes.map((c) => [c.actor, c.reason])).toEqual(
      expect.arrayContaining([
        [actor, "v2 canary on a tenth of new tickets"],
        [actor, "more traffic for a faster verdict"],
        [actor, "guards held over the weekend"],
        [actor, "refund complaints from support"],
      ]),
    );
    await admin.screenshot({ path: join(ARTIFACTS, "rollout-admin.png"), fullPage: true });
  });

  it("a change from a page loaded before another change is refused: the policy changed meanwhile", async () => {
    const stale = await env.signedIn();
    await stale.goto(`${url}${pagePath}`, { waitUntil: "networkidle" });
    // Typing pauses the stale page's live refresh, so it keeps the revision it loaded with.
    const form = stale.getByTestId("act-form");
    await form.getByLabel(/^Reason/).fill("second opinion");
    await admin.goto(`${url}${pagePath}`, { waitUntil: "networkidle" });
    await act(admin, /^Resume at 10 %$/, "complaints were about v1's wording", "Resumed.");
    const revision = (await apiRollout()).revision;

    await form.getByRole("button", { name: /^Set share$/ }).click();
    const error = stale.getByTestId("form-error");
    await error.waitFor({ timeout: 15_000 });
    expect(await error.textContent()).toContain("The policy changed meanwhile — reload the page");
    expect((await apiRollout()).revision).toBe(revision);
    await stale.close();
  });

  for (const who of [VIEWER, OPERATOR]) {
    it(`a ${who.role} reads the rollout without any control, and a forged change is refused (403)`, async () => {
      const page = await env.signedIn(who, { width: 390, height: 844 });
      await page.goto(`${url}${pagePath}`, { waitUntil: "networkidle" });
      await page.getByTestId("shares").waitFor();
      expect(await page.getByTestId("read-only").isVisible()).toBe(true);
      expect(await page.locator("main form").count()).toBe(0);
      expect(await page.locator("main button").count()).toBe(0);
      expect(await page.getByTestId("history").locator(":scope > li").count()).toBeGreaterThan(0);
      expect(await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")).toBe(
        0,
      );
      await page.screenshot({ path: join(ARTIFACTS, `rollout-${who.role}-390.png`), fullPage: true });

      const before = await apiRollout();
      for (const action of ["halt", "promote", "share", "resume", "policy", "autonomy", "shadow"]) {
        const res = await page.request.post(`${url}${pagePath}?/${action}`, {
          headers: { origin: url },
          form: {
            reason: `I am only a ${who.role}`,
            expectedRevision: String(before.revision),
            percent: "100",
            baseline: "2",
            candidate: "",
            "share-2": "100",
            action: "refund",
            decision: "promote",
          },
        });
        expect({ action, status: res.status() }).toEqual({ action, status: 403 });
      }
      const after = await apiRollout();
      expect(after.revision).toBe(before.revision);
      expect(after.policy).toEqual(before.policy);
      await page.close();
    });
  }

  it("an admin demotes the refund action's autonomy one rung with a reason; the page and the API agree", async () => {
    const before = (await api<AutonomyView>(`autonomy/${WORKFLOW}`)).actions.find((a) => a.action === "refund")!;
    expect(before.ladder[before.level]?.name).toBe("alone up to 50");
    await admin.goto(`${url}${pagePath}`, { waitUntil: "networkidle" });
    const refund = admin.locator('article[data-action="refund"]');
    expect(await refund.getByTestId("autonomy-level").textContent()).toBe("alone up to 50");
    await refund.getByLabel("Reason").fill("a refund above 40 was reversed last week");
    await refund.getByRole("button", { name: "Demote one rung" }).click();
    await admin.getByTestId("form-done").filter({ hasText: "Demoted one rung." }).waitFor({ timeout: 15_000 });
    const after = (await api<AutonomyView>(`autonomy/${WORKFLOW}`)).actions.find((a) => a.action === "refund")!;
    expect(after.level).toBe(0);
    expect(after.changes.at(-1)).toMatchObject({
      kind: "demoted",
      reason: "a refund above 40 was reversed last week",
      actor: `person:${env.firstAdmin().username} via dashboard`,
    });
    await expect.poll(() => refund.getByTestId("autonomy-level").textContent()).toBe("always ask");
  });

  it("lists every workflow's shares on the Rollouts page of the nav, as the API has them, on a phone", async () => {
    const page = await env.signedIn(undefined, { width: 390, height: 844 });
    await page.goto(url, { waitUntil: "networkidle" });
    await page.getByTestId("nav").getByRole("link", { name: "Rollouts" }).click();
    await page.waitForURL(/\/rollouts$/);
    const view = await apiRollout();
    const row = page.locator(`table[data-testid=rollouts] tr[data-workflow="${WORKFLOW}"] td`);
    expect(await row.nth(0).textContent()).toBe(
      view.policy!.shares.map((s) => `v${s.version} ${s.percent} %`).join(", "),
    );
    expect(await row.nth(1).textContent()).toBe(`${view.policy!.state} (candidate v2)`);
    expect(await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")).toBe(0);
    // Each workflow a card on a phone: no cell's sentence is cut off inside a table scrolled sideways.
    const table = page.getByTestId("rollouts");
    expect(await table.evaluate((el) => el.parentElement!.scrollWidth - el.parentElement!.clientWidth)).toBe(0);
    await page.locator(`tr[data-workflow="${WORKFLOW}"] a`).click();
    await page.waitForURL(new RegExp(`${pagePath}$`));
    await page.close();
  });

  it("fits a phone screen and a wide one for an admin, controls and an opened shadow report included, with no CSP violation", async () => {
    const { reports } = await api<{ reports: { id: string }[] }>(`rollouts/${WORKFLOW}/shadow-runs`);
    const withReport = `${pagePath}?report=${encodeURIComponent(reports[0]!.id)}`;
    for (const viewport of [
      { width: 390, height: 844 },
      { width: 1440, height: 900 },
    ]) {
      const page = await env.signedIn(undefined, viewport);
      const violations: string[] = [];
      page.on("console", (m) => {
        if (/Content Security Policy|CSP violation/i.test(m.text())) violations.push(m.text());
      });
      await page.addInitScript({
        content:
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the page's own script, in which the template literal runs
          'document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));',
      });
      await page.goto(`${url}${withReport}`, { waitUntil: "networkidle" });
      await page
        .getByTestId("shadow-report")
        .getByLabel(/also show the/)
        .check();
      await page.getByText("Edit the policy").click();
      await page.getByTestId("policy-form").waitFor();
      const wider = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth");
      expect({ viewport, wider }).toEqual({ viewport, wider: 0 });
      if (viewport.width === 390)
        await page.screenshot({ path: join(ARTIFACTS, "rollout-admin-390.png"), fullPage: true });
      await page.goto(`${url}/rollouts`, { waitUntil: "networkidle" });
      expect(violations).toEqual([]);
      await page.close();
    }
  });
});
