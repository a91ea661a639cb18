/**
 * The escalation inbox, the case page and the case list in a real browser against the real stack: refund tickets
 * reporting fraud escalate to a person (the workflow's rule), an operator resolves one from the inbox and the case
 * finishes, a viewer can read but not decide, a decision on an escalation someone else already closed is refused
 * with a clear message and changes nothing, and the case list filters by status.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../dashboard/src/lib/server/accounts/index.ts";
import { openDatabase } from "../../db/client.ts";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign } from "../../scripts/senders.ts";
import type { Stack } from "../../scripts/stack.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { ARTIFACTS, useBrowserStack } from "../support/browser-stack.ts";
import { eventually } from "../support/wait.ts";

const OPERATOR = { username: "ops-olga", password: "operator-password-1", role: "operator" };
const VIEWER = { username: "view-vic", password: "viewer-password-12", role: "viewer" };
const token = () => firstSecret(devVar("CROSSFLOW_API_TOKEN"));

const env = useBrowserStack("inbox");
let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = env.stack();
  url = env.url();
  const db = openDatabase({ url: stack.libsql.url, authToken: stack.libsql.authToken });
  await createUser(db, OPERATOR);
  await createUser(db, VIEWER);
});

const signedIn = (
  who: { username: string; password: string },
  viewport = { width: 1280, height: 900 },
): Promise<Page> => env.signedIn(who, viewport);

const caseApi = (email: string, suffix = "") =>
  `${stack.worker.url}/api/cases/refund-dispute/${encodeURIComponent(`customer:${email}`)}${suffix}`;
const caseOf = async (email: string) =>
  (await fetch(caseApi(email), { headers: { authorization: `Bearer ${token()}` } })).json() as Promise<any>;

/** A refund ticket reporting a charge the customer did not make: the workflow's rule hands it to a person. */
async function fraudCase(): Promise<{ email: string; caseId: string; stepId: string }> {
  const email = `fraud-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const charge = `ch_inbox${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const seeded = await fetch(`${stack.simulators.url}/stripe/v1/charges`, {
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
      id: "42",
      subject: "Refund request",
      description: `I did not authorize ${charge}, my card was stolen.`,
      tags: ["refund"],
      requester: { email },
    },
  };
  expect((await post(stack.worker.url, await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, payload))).status).toBe(
    202,
  );
  const view = await eventually(
    async () => ((v) => (v.header?.status === "escalated" ? v : undefined))(await caseOf(email)),
    30_000,
    "case escalated",
  );
  return { email, caseId: `refund-dispute/customer:${email}`, stepId: view.wait.stepId };
}

/** The task's row in the list, and the task in full in the detail pane (shown once it is the selected task). */
const row = (page: Page, caseId: string) => page.locator(`[data-testid="inbox-row"][data-case="${caseId}"]`);
const item = (page: Page, caseId: string) => page.locator(`[data-testid="inbox-item"][data-case="${caseId}"]`);
/** The inbox with `caseId` selected (the selection is in the address); its pane once the task is listed. */
async function openTask(page: Page, caseId: string, query = "") {
  await page.goto(`${url}/inbox?${query}${query ? "&" : ""}task=${encodeURIComponent(caseId)}`);
  const card = item(page, caseId);
  // The inbox refreshes itself: the case shows up once its row reaches the metrics database.
  await card.waitFor({ timeout: 20_000 });
  return card;
}

/** A compliance hit: the onboarding form sends an applicant the screening service lists (the simulator's watchlist). */
async function sanctionsHit(): Promise<{ caseId: string; country: string }> {
  const email = `applicant-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const application = {
    email,
    name: "Ivan Petrov",
    birthDate: "1961-04-12",
    country: "DE",
    plan: "fiber-500",
    paymentMethod: "pm_card_visa",
    consent: true,
    documents: [{ type: "passport", fileName: "passport.pdf", contentType: "application/pdf", sizeBytes: 240_000 }],
  };
  const sent = await post(
    stack.worker.url,
    await sign.hmacSource("onboarding-form", devVar("ONBOARDING_FORM_SECRET")!, `app-${crypto.randomUUID()}`, {
      event: "application.submitted",
      application,
    }),
  );
  expect(sent.status).toBe(202);
  const api = `${stack.worker.url}/api/cases/customer-onboarding/${encodeURIComponent(`customer:${email}`)}`;
  await eventually(
    async () =>
      ((v) => (v.header?.status === "escalated" ? v : undefined))(
        (await (await fetch(api, { headers: { authorization: `Bearer ${token()}` } })).json()) as any,
      ),
    30_000,
    "screening hit escalated",
  );
  return { caseId: `customer-onboarding/customer:${email}`, country: application.country };
}

describe("escalation inbox", () => {
  it("an operator resolves an escalation from the inbox with a note; the case finishes and its page shows the person's decision in the audit", async () => {
    const { email, caseId, stepId } = await fraudCase();
    const page = await signedIn(OPERATOR);
    const card = await openTask(page, caseId);
    await expect(card.getByTestId("context-packet").textContent()).resolves.toContain("fraud is a person's call");
    await expect(card.getByTestId("context-packet").textContent()).resolves.toContain("triage");
    await expect(card.getAttribute("data-step")).resolves.toBe(stepId);
    await expect(card.getByTestId("decide-resolve").count()).resolves.toBe(1);

    await card.getByRole("button", { name: "Claim" }).click();
    await card.getByTestId("claim").filter({ hasText: "Claimed by you" }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(ARTIFACTS, "inbox.png"), fullPage: true });

    await card
      .getByLabel("Note (recorded with your decision)")
      .fill("Card reported stolen; refunded by hand after the bank confirmed.");
    await card.getByLabel("Outcome (to resolve)").selectOption("refunded-manually");
    await card.getByLabel("Minutes spent (optional)").fill("6");
    await card.getByTestId("decide-resolve").click();
    const result = page.getByTestId("decision-result");
    await result.waitFor({ timeout: 15_000 });
    await expect(result.textContent()).resolves.toMatch(
      /resolve decision was recorded[\s\S]*now resolved \(refunded-manually\)/,
    );
    await card.waitFor({ state: "detached", timeout: 10_000 });

    await result.getByRole("link", { name: "Open the case" }).click();
    await page.waitForURL((u) => u.pathname.startsWith("/cases/refund-dispute/"));
    await expect(page.getByTestId("case-status").textContent()).resolves.toBe("resolved");
    await expect(page.getByTestId("case-outcome").textContent()).resolves.toBe("refunded-manually");
    await expect(page.getByTestId("chain-verification").textContent()).resolves.toContain("Audit chain verified");
    const decisions = await page.getByTestId("human-decisions").textContent();
    expect(decisions).toContain("ops-olga");
    expect(decisions).toContain("resolve → refunded-manually");
    expect(decisions).toContain("Card reported stolen");
    // The timeline is the audit trail: each entry once, with its place in the hash chain.
    await expect(page.locator('[data-testid="timeline"] [data-action="human.decision"]').count()).resolves.toBe(1);
    await expect(page.locator('[data-testid="timeline"] [data-action="case.resolved"]').count()).resolves.toBe(1);
    await expect(page.getByTestId("audit-trail").count()).resolves.toBe(0);
    const story = (await page.getByTestId("timeline").textContent()) ?? "";
    expect(story).not.toMatch(/\b1[78]\d{11}\b/); // no epoch milliseconds: times are dates
    await expect(page.getByTestId("agent-step").first().textContent()).resolves.toMatch(
      /decided escalate[\s\S]*Confidence 60 %/,
    );
    await page.screenshot({ path: join(ARTIFACTS, "case-page.png"), fullPage: true });

    // The worker recorded exactly that person's decision, once, as an operator.
    const view = await caseOf(email);
    expect(view.header).toMatchObject({ status: "resolved", outcome: "refunded-manually" });
    expect(view.decisions).toEqual([
      expect.objectContaining({
        stepId,
        decision: "resolve",
        outcome: "refunded-manually",
        minutesSpent: 6,
        note: "Card reported stolen; refunded by hand after the bank confirmed.",
        actor: { id: "ops-olga", roles: ["operator"] },
      }),
    ]);
    const audit = (await (
      await fetch(caseApi(email, "/audit"), { headers: { authorization: `Bearer ${token()}` } })
    ).json()) as { verification: { valid: boolean } };
    expect(audit.verification.valid).toBe(true);
  });

  it("a viewer sees the task without any action buttons and is refused (403) when posting a decision; nothing changes", async () => {
    const { email, caseId, stepId } = await fraudCase();
    const page = await signedIn(VIEWER, { width: 390, height: 844 });
    const card = await openTask(page, caseId);
    await expect(card.getByTestId("read-only").isVisible()).resolves.toBe(true);
    await expect(card.locator("button").count()).resolves.toBe(0);
    await expect(card.locator("form").count()).resolves.toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "inbox-viewer-390.png"), fullPage: true });

    const refused = await page.request.post(`${url}/inbox?/decide`, {
      headers: { origin: url },
      form: {
        workflow: "refund-dispute",
        caseKey: `customer:${email}`,
        caseId,
        step: stepId,
        decision: "resolve",
        outcome: "refunded-manually",
        idempotencyKey: "viewer-try-1",
        note: "I am only a viewer",
      },
    });
    expect(refused.status()).toBe(403);
    const claimRefused = await page.request.post(`${url}/inbox?/claim`, {
      headers: { origin: url },
      form: { caseId, stepId },
    });
    expect(claimRefused.status()).toBe(403);
    const view = await caseOf(email);
    expect(view.header.status).toBe("escalated");
    expect(view.decisions).toEqual([]);
  });

  it("deciding an escalation someone already closed shows a clear message and changes nothing", async () => {
    const { email, caseId, stepId } = await fraudCase();
    const page = await signedIn(OPERATOR);
    const card = await openTask(page, caseId);
    // While the operator writes, a colleague closes it elsewhere (through the same API, e.g. another tool).
    await card.getByLabel("Note (recorded with your decision)").fill("Looks like fraud to me.");
    await card.getByLabel("Outcome (to resolve)").selectOption("denied");
    const elsewhere = await fetch(caseApi(email, "/decisions"), {
      method: "POST",
      headers: {
        authorization: `Bearer ${token()}`,
        "content-type": "application/json",
        "idempotency-key": `colleague-${caseId}`,
      },
      body: JSON.stringify({
        step: stepId,
        decision: "resolve",
        outcome: "refunded-manually",
        actor: { id: "colleague-cleo", roles: ["operator"] },
        note: "handled on the phone",
      }),
    });
    expect(elsewhere.status).toBe(202);
    await eventually(
      async () => ((await caseOf(email)).header.status === "resolved" ? true : undefined),
      15_000,
      "closed by the colleague",
    );
    // The form is still on screen: the page does not refresh while someone is writing in it.
    await expect(card.getByLabel("Note (recorded with your decision)").inputValue()).resolves.toBe(
      "Looks like fraud to me.",
    );

    await card.getByTestId("decide-resolve").click();
    const message = page.getByTestId("item-error").or(page.getByTestId("decision-error"));
    await message.first().waitFor({ timeout: 15_000 });
    const text = await message.first().textContent();
    expect(text).toContain("already closed");
    expect(text).toContain("Nothing was changed");

    const view = await caseOf(email);
    expect(view.header).toMatchObject({ status: "resolved", outcome: "refunded-manually" });
    expect(view.decisions.map((d: any) => d.actor.id)).toEqual(["colleague-cleo"]);
    expect(view.timeline.filter((e: any) => e.action === "human.decision_refused")).toEqual([
      expect.objectContaining({
        actor: { kind: "human", id: "ops-olga" },
        detail: expect.objectContaining({ code: "wait_ended" }),
      }),
    ]);
  });
});

describe("inbox filters", () => {
  it("filters by workflow, kind and queue and finds a case by its key, counting what matches (in the URL)", async () => {
    const { email, caseId } = await fraudCase();
    const page = await signedIn(OPERATOR);
    const summaryOf = async (query: string) => {
      await page.goto(`${url}/inbox?${query}`, { waitUntil: "networkidle" });
      return (await page.getByTestId("inbox-summary").textContent()) ?? "";
    };
    // Its key alone: exactly this task.
    expect(await summaryOf(`q=${encodeURIComponent(email)}`)).toMatch(/^\s*1 open task matching/);
    expect(await row(page, caseId).count()).toBe(1);
    expect(
      await summaryOf(`q=${encodeURIComponent(email)}&kind=escalation&workflow=refund-dispute&queue=refunds`),
    ).toMatch(/^\s*1 open task matching/);
    expect(await row(page, caseId).count()).toBe(1);
    // Another kind, workflow or queue: not shown.
    for (const other of ["kind=approval", "workflow=customer-onboarding", "queue=refund-leads"]) {
      await summaryOf(`q=${encodeURIComponent(email)}&${other}`);
      expect(await row(page, caseId).count()).toBe(0);
    }
    // The form writes the same URL.
    await page.goto(`${url}/inbox`, { waitUntil: "networkidle" });
    const filters = page.getByTestId("inbox-filters");
    await filters.locator('input[name="q"]').fill(email);
    await filters.locator('select[name="kind"]').selectOption("escalation");
    await filters.getByRole("button", { name: "Filter" }).click();
    // SvelteKit navigates in the page (no load event): wait for the address.
    await expect.poll(() => page.url(), { timeout: 10_000 }).toContain("kind=escalation");
    await page.waitForLoadState("networkidle");
    expect(new URL(page.url()).searchParams.get("q")).toBe(email);
    expect(await row(page, caseId).count()).toBe(1);
  });
});

describe("inbox keyboard", () => {
  it("j and k select the next and previous task (its packet in the pane, the task in the address), d jumps into the decision form, o opens the task's case", async () => {
    await fraudCase();
    await fraudCase();
    const page = await signedIn(OPERATOR);
    await page.goto(`${url}/inbox?kind=escalation`, { waitUntil: "networkidle" });
    const items = page.getByTestId("inbox-row");
    expect(await items.count()).toBeGreaterThanOrEqual(2);
    const focused = () =>
      // A string: the test's TypeScript has no DOM types; it runs in the page.
      page.evaluate<string | null>(
        "document.activeElement?.closest('[data-testid=inbox-row]')?.getAttribute('data-case') ?? null",
      );
    const shown = () => page.getByTestId("inbox-item").getAttribute("data-case");
    const inAddress = () => new URL(page.url()).searchParams.get("task");
    const first = await items.nth(0).getAttribute("data-case");
    const second = await items.nth(1).getAttribute("data-case");
    await page.keyboard.press("j");
    expect(await focused()).toBe(first);
    await page.keyboard.press("j");
    expect(await focused()).toBe(second);
    expect(await shown()).toBe(second);
    expect(inAddress()).toBe(second);
    await page.keyboard.press("k");
    expect(await focused()).toBe(first);
    expect(await shown()).toBe(first);
    expect(inAddress()).toBe(first);
    await page.keyboard.press("d");
    expect(await page.evaluate<string | null>("document.activeElement?.getAttribute('name') ?? null")).toBe("note");
    // Typing in the note is not a shortcut.
    await page.keyboard.type("jko");
    expect(await shown()).toBe(first);
    expect(inAddress()).toBe(first);
    await page.locator(`[data-testid="inbox-item"][data-case="${first}"] textarea[name="note"]`).fill("");
    // A click selects too; the selection survives a reload (it is in the address).
    await items.nth(1).getByTestId("row-link").click();
    expect(await shown()).toBe(second);
    await page.reload({ waitUntil: "networkidle" });
    expect(await shown()).toBe(second);
    await items.nth(0).getByTestId("row-link").focus();
    await page.keyboard.press("o");
    await expect.poll(() => decodeURIComponent(page.url()), { timeout: 10_000 }).toContain(`/cases/refund-dispute/`);
  });
});

describe("evidence a person can judge", () => {
  it("a refund escalation's pane shows the charge in its currency, the customer's words, and JSON only once 'raw' is opened", async () => {
    const { caseId } = await fraudCase(); // a charge of 2400 cents in EUR
    const page = await signedIn(OPERATOR, { width: 1440, height: 900 });
    const card = await openTask(page, caseId);
    // Beside the list on a wide screen.
    const [list, pane] = await Promise.all([
      page.getByTestId("inbox-list").boundingBox(),
      page.getByTestId("task-pane").boundingBox(),
    ]);
    expect(pane!.x).toBeGreaterThanOrEqual(list!.x + list!.width);
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point (a closed toggle's JSON is not on screen)
    const text = await card.innerText();
    expect(text).toContain("€24.00");
    expect(text).not.toMatch(/\b2400\b/);
    await expect(card.getByTestId("customer-words").textContent()).resolves.toContain("my card was stolen");
    await expect(card.getByTestId("model-judgement").textContent()).resolves.toMatch(
      /Confidence 60 %[\s\S]*fraud is a person's call/,
    );
    expect(text).not.toContain('"amount"');
    await expect(card.locator("pre").isVisible()).resolves.toBe(false);
    // The raw JSON is there for whoever asks.
    await card.getByTestId("raw-evidence").locator("summary").click();
    await expect(card.getByTestId("raw-evidence").locator("pre").isVisible()).resolves.toBe(true);
    await expect(card.getByTestId("raw-evidence").locator("pre").textContent()).resolves.toContain('"amount": 2400');
    await page.screenshot({ path: join(ARTIFACTS, "inbox-pane-refund.png"), fullPage: true });
  });

  it("an onboarding screening hit shows the applicant beside the candidate, in the inbox and on the case page", async () => {
    const { caseId, country } = await sanctionsHit();
    const page = await signedIn(VIEWER, { width: 390, height: 844 });
    const card = await openTask(page, caseId);
    const table = card.getByTestId("screening-comparison");
    await expect(table.getByTestId("screening-applicant").textContent()).resolves.toMatch(
      new RegExp(`Ivan Petrov\\s*1961-04-12\\s*${country}`),
    );
    const candidate = await table.getByTestId("screening-candidate").textContent();
    expect(candidate).toMatch(/Ivan Petrov[\s\S]*1961-04-12[\s\S]*0\.98[\s\S]*sanction/);
    await page.screenshot({ path: join(ARTIFACTS, "inbox-pane-screening-390.png"), fullPage: true });

    // The case page (through the pane's link) shows the same comparison with the packet it handed over.
    const href = await card.getByTestId("case-link").getAttribute("href");
    expect(href).toMatch(/^\/cases\/customer-onboarding\//);
    await page.goto(`${url}${href}`);
    await expect(
      page.getByTestId("waiting-packet").getByTestId("screening-applicant").textContent(),
    ).resolves.toContain("1961-04-12");
  });
});

describe("approvals in the inbox", () => {
  it("an approval offers approve and reject; the same form sent twice is one decision, and the case moves on", async () => {
    const email = `big-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const charge = `ch_inboxbig${Date.now()}`;
    await fetch(`${stack.simulators.url}/stripe/v1/charges`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${SIMULATOR_KEYS.stripe}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ id: charge, amount: "8000", currency: "eur" }),
    });
    const ticket = {
      id: `zd-${crypto.randomUUID()}`,
      type: "zen:event-type:ticket.created",
      time: new Date().toISOString(),
      detail: {
        id: "44",
        subject: "Refund request",
        description: `Double charged on ${charge}, please refund.`,
        tags: ["refund"],
        requester: { email },
      },
    };
    expect((await post(stack.worker.url, await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, ticket))).status).toBe(
      202,
    );
    const waiting = await eventually(
      async () => ((v) => (v.wait?.kind === "human" ? v : undefined))(await caseOf(email)),
      20_000,
      "approval requested",
    );
    const caseId = `refund-dispute/customer:${email}`;

    const page = await signedIn(OPERATOR);
    const card = await openTask(page, caseId);
    // The proposal in words, the amount in its currency (in the row too), the customer's own words.
    await expect(card.getByTestId("proposed-calls").textContent()).resolves.toBe(`refund €80.00 on ${charge}`);
    await expect(row(page, caseId).getByTestId("row-amount").textContent()).resolves.toBe("€80.00");
    await expect(card.getByTestId("customer-words").textContent()).resolves.toContain(`Double charged on ${charge}`);
    await expect(card.getByTestId("decide-approve").count()).resolves.toBe(1);
    await expect(card.getByTestId("decide-reject").count()).resolves.toBe(1);
    await expect(card.getByTestId("decide-resolve").count()).resolves.toBe(0);

    // What a double click (or a resent form) posts: the same fields twice, with the form's Idempotency-Key.
    const form = card.getByTestId("decision-form");
    const value = (name: string) => form.locator(`input[name="${name}"]`).inputValue();
    const fields = {
      workflow: await value("workflow"),
      caseKey: await value("caseKey"),
      caseId: await value("caseId"),
      step: await value("step"),
      idempotencyKey: await value("idempotencyKey"),
      decision: "approve",
      note: "statement shows the duplicate",
    };
    expect(fields.step).toBe(waiting.wait.stepId);
    const first = await page.request.post(`${url}/inbox?/decide`, {
      headers: { origin: url, accept: "text/html" },
      form: fields,
    });
    const second = await page.request.post(`${url}/inbox?/decide`, {
      headers: { origin: url, accept: "text/html" },
      form: fields,
    });
    expect([first.status(), second.status()]).toEqual([200, 200]);
    expect(await first.text()).toContain("Your approve decision was recorded");
    expect(await second.text()).toContain(
      "That decision was already recorded (the form was sent twice); it counts once.",
    );

    const done = await eventually(
      async () => ((v) => (v.header.status === "resolved" ? v : undefined))(await caseOf(email)),
      20_000,
      "refunded after the approval",
    );
    expect(done.header.outcome).toBe("refunded");
    expect(done.decisions).toEqual([
      expect.objectContaining({ decision: "approve", actor: { id: "ops-olga", roles: ["operator"] } }),
    ]);
    // The open page refreshes on its own: the approval leaves the inbox.
    await card.waitFor({ state: "detached", timeout: 15_000 });
  });
});

describe("cases", () => {
  it("the list filters by status (in the URL); a case page shows the conversation with the customer; an unknown case is a 404 page", async () => {
    const open = await fraudCase();
    const page = await signedIn(VIEWER);
    await page.goto(`${url}/cases`, { waitUntil: "networkidle" }); // hydrated: the filter form is live
    await page.getByTestId("case-table").waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="case-filters"] select[name="status"]').selectOption("resolved");
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get("status") === "resolved"),
      page.getByRole("button", { name: "Apply" }).click(),
    ]);
    const statuses = async () =>
      page
        .locator("[data-testid=case-table] tbody tr")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-status")));
    await eventually(
      async () => ((s) => (s.length >= 2 && s.every((x) => x === "resolved") ? s : undefined))(await statuses()),
      10_000,
      "only resolved cases listed",
    );
    await expect(page.locator(`tr[data-case="${open.caseId}"]`).count()).resolves.toBe(0);

    await page.goto(`${url}/cases?status=escalated&q=${encodeURIComponent(open.email)}`);
    const rows = await statuses();
    expect(rows).toEqual(["escalated"]);
    await expect(page.locator(`tr[data-case="${open.caseId}"]`).count()).resolves.toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, "cases.png"), fullPage: true });
    await page.goto(`${url}/cases?status=failed&q=nobody-has-this-key`);
    await expect(page.getByTestId("empty").textContent()).resolves.toContain("No case matches these filters");

    // A customer asked for the charge id answers by email: the case page shows the question and the reply.
    const email = `details-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const charge = `ch_reply${Date.now()}`;
    await fetch(`${stack.simulators.url}/stripe/v1/charges`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${SIMULATOR_KEYS.stripe}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ id: charge, amount: "1900", currency: "eur" }),
    });
    const ticket = {
      id: `zd-${crypto.randomUUID()}`,
      type: "zen:event-type:ticket.created",
      time: new Date().toISOString(),
      detail: {
        id: "43",
        subject: "Refund request",
        description: "I was charged twice last week, please fix it.",
        tags: ["refund"],
        requester: { email },
      },
    };
    expect((await post(stack.worker.url, await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, ticket))).status).toBe(
      202,
    );
    await eventually(
      async () => ((v) => (v.wait?.stepId === "details:reply" ? true : undefined))(await caseOf(email)),
      20_000,
      "asked for details",
    );
    const reply = {
      type: "email.received",
      created_at: new Date().toISOString(),
      data: {
        from: email,
        subject: "Re: Refund request",
        text: `Sorry! It is ${charge}, I was charged twice.`,
        attachments: [],
      },
    };
    expect(
      (await post(stack.worker.url, await sign.standardWebhooks("resend", devVar("RESEND_WEBHOOK_SECRET")!, reply)))
        .status,
    ).toBe(202);
    await eventually(
      async () => ((await caseOf(email)).header.status === "resolved" ? true : undefined),
      20_000,
      "refunded after the reply",
    );
    const phone = await signedIn(VIEWER, { width: 390, height: 844 });
    await phone.goto(`${url}/cases/refund-dispute/${encodeURIComponent(`customer:${email}`)}`);
    await expect(phone.getByTestId("opening-message").textContent()).resolves.toContain(
      "I was charged twice last week",
    );
    const talk = await phone.getByTestId("conversation").textContent();
    expect(talk).toContain("Asked the customer");
    expect(talk).toContain("please reply with the charge id (it starts with ch_) from your receipt"); // the question as sent
    expect(talk).toContain(`Sorry! It is ${charge}, I was charged twice.`);
    await expect(phone.getByTestId("agent-step").count()).resolves.toBe(2);
    await expect(phone.getByTestId("chain-verification").textContent()).resolves.toContain("Audit chain verified");
    await phone.screenshot({ path: join(ARTIFACTS, "case-page-390.png"), fullPage: true });

    const missing = await page.goto(`${url}/cases/refund-dispute/${encodeURIComponent("customer:nobody@example.com")}`);
    expect(missing?.status()).toBe(404);
    await expect(page.getByTestId("case-error").locator("h1").textContent()).resolves.toBe("Case not found");
  });

  it("a returning customer's second incident is its own case: listed as #2, its page links back to the first, which stays readable", async () => {
    const email = `again-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const key = `customer:${email}`;
    const api = (suffix: string) =>
      fetch(`${stack.worker.url}/api/cases/payment-recovery/${encodeURIComponent(key)}${suffix}`, {
        headers: { authorization: `Bearer ${token()}` },
      }).then((r) => r.json() as Promise<any>);
    const stripeEvent = (type: "invoice.payment_failed" | "invoice.paid", invoice: string) => ({
      id: `evt_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`,
      type,
      data: { object: { id: invoice, customer_email: email, amount_due: 4900, currency: "eur" } },
    });
    for (const [n, invoice] of [
      [1, "in_first"],
      [2, "in_second"],
    ] as const) {
      expect(
        (
          await post(
            stack.worker.url,
            await sign.stripe(devVar("STRIPE_WEBHOOK_SECRET")!, stripeEvent("invoice.payment_failed", invoice)),
          )
        ).status,
      ).toBe(202);
      const mail = {
        type: "email.received",
        created_at: new Date().toISOString(),
        data: { from: email, to: ["billing@crossflow.local"], subject: "card", text: "Updated my card." },
      };
      expect(
        (await post(stack.worker.url, await sign.standardWebhooks("resend", devVar("RESEND_WEBHOOK_SECRET")!, mail)))
          .status,
      ).toBe(202);
      expect(
        (
          await post(
            stack.worker.url,
            await sign.stripe(devVar("STRIPE_WEBHOOK_SECRET")!, stripeEvent("invoice.paid", invoice)),
          )
        ).status,
      ).toBe(202);
      await eventually(
        async () =>
          ((v) => (v.header?.seq === n && v.header.status === "resolved" && v.pendingMetrics === 0 ? v : undefined))(
            await api(""),
          ),
        20_000,
        `case ${n} recovered`,
      );
    }

    const page = await signedIn(VIEWER);
    await page.goto(`${url}/cases?q=${encodeURIComponent(email)}`, { waitUntil: "networkidle" });
    const second = page.locator(`tr[data-case="payment-recovery@2/${key}"]`);
    await eventually(
      async () => ((n) => (n === 1 ? n : undefined))(await second.count()),
      15_000,
      "the second case listed",
    );
    await expect(page.locator(`tr[data-case="payment-recovery/${key}"]`).count()).resolves.toBe(1);
    await expect(second.locator("td.key").textContent()).resolves.toContain("#2");
    await second.locator("td.key a").click();
    await page.waitForURL((u) => u.searchParams.get("seq") === "2");
    await expect(page.getByTestId("case-sequence").textContent()).resolves.toContain("#2");
    await page.getByTestId("case-sequence").getByRole("link", { name: "previous" }).click();
    await page.waitForURL((u) => u.searchParams.get("seq") === "1");
    await expect(page.getByTestId("case-outcome").textContent()).resolves.toBe("recovered");
    await expect(page.getByTestId("case-sequence").textContent()).resolves.toContain("next (#2)");
    await page.screenshot({ path: join(ARTIFACTS, "case-page-first-of-two.png"), fullPage: true });
    const bad = await page.goto(`${url}/cases/payment-recovery/${encodeURIComponent(key)}?seq=zero`);
    expect(bad?.status()).toBe(400);
  });
});
