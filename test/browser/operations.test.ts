/**
 * Operations in the dashboard, in a real browser against the real stack: on a case's page an operator reassigns an
 * escalation to another queue and cancels the case, and retries a step that ran out of attempts (Stripe down) once
 * Stripe is back, each with a reason, the answer shown beside the button pressed, and the case's audit trail naming
 * them; a viewer is offered none of it. An escalation is resolved on the case's own page with the inbox's form. The dead-letter list shows an event no workflow took, with its reason and
 * payload, and a replay that still finds no workflow says so beside its button.
 */
import { join } from "node:path";
import { desc } from "drizzle-orm";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../dashboard/src/lib/server/accounts/index.ts";
import { openDatabase } from "../../db/client.ts";
import { alertRules } from "../../db/schema.ts";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign } from "../../scripts/senders.ts";
import type { Stack } from "../../scripts/stack.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { ARTIFACTS, useBrowserStack } from "../support/browser-stack.ts";
import { eventually } from "../support/wait.ts";

const OPERATOR = { username: "ops-omar", password: "operator-password-1", role: "operator" };
const VIEWER = { username: "view-vera", password: "viewer-password-12", role: "viewer" };
const token = () => firstSecret(devVar("CROSSFLOW_API_TOKEN"));

const env = useBrowserStack("operations");
let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = env.stack();
  url = env.url();
  const db = openDatabase({ url: stack.libsql.url, authToken: stack.libsql.authToken });
  await createUser(db, OPERATOR);
  await createUser(db, VIEWER);
});

const caseApi = (email: string, suffix = "") =>
  `${stack.worker.url}/api/cases/refund-dispute/${encodeURIComponent(`customer:${email}`)}${suffix}`;
const api = async (path: string) =>
  (await fetch(path, { headers: { authorization: `Bearer ${token()}` } })).json() as Promise<any>;
const casePage = (email: string) => `${url}/cases/refund-dispute/${encodeURIComponent(`customer:${email}`)}`;

async function stripe(method: "POST" | "DELETE", path: string, body?: Record<string, unknown>) {
  const res = await fetch(`${stack.simulators.url}/stripe${path}`, {
    method,
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}`, "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  expect(res.ok).toBe(true);
}

/** A Zendesk ticket from a new customer; `charge`: a charge made in the simulator first, named in the ticket. */
async function ticket(description: (charge: string) => string, tags: string[]): Promise<string> {
  const email = `ops-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const charge = `ch_ops${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const seeded = await fetch(`${stack.simulators.url}/stripe/v1/charges`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ id: charge, amount: "2400", currency: "eur" }),
  });
  expect(seeded.ok).toBe(true);
  return ticketFor(email, description(charge), tags);
}

async function ticketFor(email: string, description: string, tags: string[]): Promise<string> {
  const payload = {
    id: `zd-${crypto.randomUUID()}`,
    type: "zen:event-type:ticket.created",
    time: new Date().toISOString(),
    detail: { id: "77", subject: "Refund request", description, tags, requester: { email } },
  };
  const res = await post(stack.worker.url, await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, payload));
  expect(res.status).toBe(202);
  return email;
}

const waitFor = (email: string, ready: (view: any) => boolean, what: string) =>
  eventually(async () => ((v) => (ready(v) ? v : undefined))(await api(caseApi(email))), 45_000, what);

/** Fills an operation's form on the case page and presses its button; returns that form's answer. */
async function operate(page: Page, op: string, reason: string, fields: Record<string, string> = {}) {
  const form = page.getByTestId(`op-${op}`);
  for (const [name, value] of Object.entries(fields)) await form.locator(`input[name="${name}"]`).fill(value);
  await form.locator('input[name="reason"]').fill(reason);
  await form.getByRole("button").click();
}

describe("case operations in the dashboard", () => {
  it("an operator reassigns an escalation and cancels the case from its page; the answers sit beside the buttons", async () => {
    const email = await ticket((charge) => `I did not authorize ${charge}, my card was stolen.`, ["refund"]);
    const escalated = await waitFor(email, (v) => v.header?.status === "escalated", "the case escalating");
    const page = await env.signedIn(OPERATOR);
    await page.goto(casePage(email), { waitUntil: "networkidle" });
    const ops = page.getByTestId("case-operations");
    await expect.poll(() => ops.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.getByTestId("op-retry").count()).toBe(0); // nothing failed

    await operate(page, "reassign", "a lead should look at stolen cards", { queue: "refund-leads" });
    const moved = page.getByTestId("op-reassign").getByTestId("op-result");
    await expect
      .poll(() => moved.textContent({ timeout: 2000 }), { timeout: 15_000 })
      .toContain("Moved to the refund-leads queue");
    await expect
      .poll(() => page.getByTestId("case-wait").textContent({ timeout: 2000 }), { timeout: 10_000 })
      .toContain("refund-leads");
    expect((await api(caseApi(email))).header.wait.human.queue).toBe("refund-leads");
    await page.screenshot({ path: join(ARTIFACTS, "operations-reassigned.png"), fullPage: true });

    await operate(page, "cancel", "the customer withdrew the dispute");
    const cancelled = page.getByTestId("op-result");
    await expect.poll(() => cancelled.textContent({ timeout: 2000 }), { timeout: 15_000 }).toContain("Cancelled");
    await expect
      .poll(() => page.getByTestId("case-outcome").textContent({ timeout: 2000 }), { timeout: 10_000 })
      .toBe("cancelled");
    expect(await page.getByTestId("case-status").textContent({ timeout: 2000 })).toBe("resolved");
    expect(await page.getByTestId("case-operations").count()).toBe(0);

    const audit = await api(caseApi(email, "/audit"));
    expect(audit.verification.valid).toBe(true);
    const done = audit.entries
      .filter((e: any) => e.action === "task.reassigned" || e.action === "case.cancelled")
      .map((e: any) => [e.action, e.actor.id, e.detail.reason, e.detail.via]);
    expect(done).toEqual([
      ["task.reassigned", OPERATOR.username, "a lead should look at stolen cards", "dashboard"],
      ["case.cancelled", OPERATOR.username, "the customer withdrew the dispute", "dashboard"],
    ]);
    expect(escalated.wait.human.queue).not.toBe("refund-leads");
  });

  it("an operator retries a step that ran out of attempts while Stripe was down; a viewer is offered no operation", async () => {
    // Stripe answers 503 to every call until the faults are dropped: the charge lookup's attempts run out.
    for (let i = 0; i < 8; i++) await stripe("POST", "/_sim/faults", { status: 503 });
    const email = await ticketFor(
      `ops-${crypto.randomUUID().slice(0, 8)}@example.com`,
      "Please refund ch_opsdown12345, I was charged twice.",
      ["refund"],
    );
    const failed = await waitFor(
      email,
      (v) => v.wait?.kind === "human" && v.wait.human.allowed.includes("retry"),
      "the charge lookup failing over to a person",
    );
    await stripe("DELETE", "/_sim/faults");

    const viewer = await env.signedIn(VIEWER);
    await viewer.goto(casePage(email), { waitUntil: "networkidle" });
    await expect.poll(() => viewer.getByTestId("case-wait").isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await viewer.getByTestId("case-operations").count()).toBe(0);

    const page = await env.signedIn(OPERATOR);
    await page.goto(casePage(email), { waitUntil: "networkidle" });
    await operate(page, "retry", "Stripe is answering again");
    await expect
      .poll(() => page.getByTestId("op-result").first().textContent({ timeout: 2000 }), { timeout: 15_000 })
      .toContain("Retried");
    const moved = await waitFor(email, (v) => v.wait?.stepId !== failed.wait.stepId, "the step running again");
    expect(moved.steps.some((s: any) => s.id === failed.wait.stepId)).toBe(true);
    const audit = await api(caseApi(email, "/audit"));
    expect(audit.entries.find((e: any) => e.action === "case.retried")).toMatchObject({
      actor: { id: OPERATOR.username },
      detail: { reason: "Stripe is answering again" },
    });
  });
});

describe("deciding on a case's page", () => {
  it("an operator resolves an escalation on the case's page as in the inbox; the answer sits beside the form", async () => {
    const email = await ticket((charge) => `I did not authorize ${charge}, my card was stolen.`, ["refund"]);
    await waitFor(email, (v) => v.header?.status === "escalated", "the case escalating");
    const page = await env.signedIn(OPERATOR);
    await page.goto(casePage(email), { waitUntil: "networkidle" });
    const decision = page.getByTestId("case-decision");
    await expect.poll(() => decision.isVisible(), { timeout: 10_000 }).toBe(true);
    await decision.locator('textarea[name="note"]').fill("called the customer, card blocked");
    await decision.locator('select[name="outcome"]').selectOption("refunded-manually");
    await decision.getByTestId("decide-resolve").click();
    await expect
      .poll(() => page.getByTestId("decision-result").textContent({ timeout: 2000 }), { timeout: 15_000 })
      .toContain("Sent: resolve");
    const view = await waitFor(email, (v) => v.header?.status === "resolved", "the case resolving");
    expect(view.header.outcome).toBe("refunded-manually");
    expect(view.decisions.at(-1)).toMatchObject({
      actor: { id: OPERATOR.username },
      decision: "resolve",
      note: "called the customer, card blocked",
    });
    await expect.poll(() => page.getByTestId("case-decision").count(), { timeout: 10_000 }).toBe(0);
  });
});

describe("dead letters in the dashboard", () => {
  it("lists an event no workflow took with its reason and payload; a replay that still finds none says so beside it", async () => {
    const email = await ticketFor(
      `dl-${crypto.randomUUID().slice(0, 8)}@example.com`,
      "Where is my invoice for March?",
      ["billing"],
    );
    const letter = await eventually(
      async () => {
        // Other tests' cases leave Zendesk dead letters too (the staff's replies on their tickets): this one by its payload.
        const page = await api(`${stack.worker.url}/api/dead-letters?status=pending&limit=50`);
        for (const d of page.deadLetters ?? []) {
          if (d.source !== "zendesk") continue;
          const full = await api(`${stack.worker.url}/api/dead-letters/${d.id}`);
          if (full.payload?.detail?.requester?.email === email) return d;
        }
        return undefined;
      },
      15_000,
      "the dead letter",
    );
    const page = await env.signedIn(OPERATOR);
    await page.goto(`${url}/admin/dead-letters`, { waitUntil: "networkidle" });
    const row = page.locator(`[data-dead-letter="${letter.id}"]`);
    expect(await row.textContent({ timeout: 2000 })).toContain(letter.reason.slice(0, 40));
    await row.getByTestId("show-payload").click();
    await expect
      .poll(() => page.getByTestId("payload").textContent({ timeout: 2000 }))
      .toContain("Where is my invoice for March?");
    expect(await page.getByTestId("payload").textContent({ timeout: 2000 })).toContain(email);

    await page.locator(`[data-dead-letter="${letter.id}"]`).getByRole("button", { name: "Replay" }).click();
    const answer = page.locator(`[data-dead-letter="${letter.id}"]`).getByTestId("replay-result");
    await expect
      .poll(() => answer.textContent({ timeout: 2000 }), { timeout: 15_000 })
      .toContain("Still no workflow takes it");
    await page.screenshot({ path: join(ARTIFACTS, "operations-dead-letters.png"), fullPage: true });
  });
});

describe("alerts in the dashboard", () => {
  it("an admin adds an alert rule on a workflow's escalation rate and switches it off; the database holds it", async () => {
    const page = await env.signedIn();
    await page.goto(`${url}/admin/alerts`, { waitUntil: "networkidle" });
    const add = page.getByTestId("add-alert");
    await add.locator('select[name="workflowId"]').selectOption("refund-dispute");
    await add.locator('select[name="metric"]').selectOption("escalation_rate");
    await add.locator('input[name="threshold"]').fill("25");
    await add.locator('input[name="windowMinutes"]').fill("60");
    await add.locator('input[name="minCases"]').fill("4");
    await add.locator('select[name="channel"]').selectOption("slack");
    await add.locator('input[name="target"]').fill("#ops-alerts");
    await add.getByRole("button", { name: "Add rule" }).click();
    await expect
      .poll(() => page.getByTestId("add-result").textContent({ timeout: 2000 }), { timeout: 10_000 })
      .toContain("Added rule");
    const row = page.getByTestId("alert-rules").locator("tr[data-rule]").last();
    expect(await row.textContent({ timeout: 2000 })).toContain(
      "Escalation rate above 25 % over 60 min (at least 4 cases)",
    );
    const db = openDatabase({ url: stack.libsql.url, authToken: stack.libsql.authToken });
    const [rule] = await db.select().from(alertRules).orderBy(desc(alertRules.id)).limit(1);
    expect(rule).toMatchObject({
      workflowId: "refund-dispute",
      metric: "escalation_rate",
      threshold: 0.25,
      minCases: 4,
      channel: "slack",
      target: "#ops-alerts",
      enabled: true,
    });

    await row.getByRole("button", { name: "Switch off" }).click();
    await expect
      .poll(
        () =>
          page
            .getByTestId("alert-rules")
            .locator(`tr[data-rule="${rule!.id}"] [data-testid=alert-state]`)
            .textContent({ timeout: 2000 }),
        {
          timeout: 10_000,
        },
      )
      .toContain("off");
    // A Slack channel must be written #name: refused beside the form, nothing added.
    await add.locator('input[name="target"]').fill("ops alerts");
    await add.locator('input[name="threshold"]').fill("25");
    await add.getByRole("button", { name: "Add rule" }).click();
    await expect
      .poll(() => page.getByTestId("add-result").textContent({ timeout: 2000 }), { timeout: 10_000 })
      .toContain("#name");
  });
});
