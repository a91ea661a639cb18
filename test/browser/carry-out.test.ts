/**
 * "Carry it out" and declared outcomes in a real browser against the real stack. A refund ticket about a damaged item
 * makes the agent propose the refund unsure (the policy is silent on damaged goods): the escalation offers the
 * refund beside "Resolve without it" with refund-dispute's declared outcomes. One is carried out from the inbox's
 * list and its approval given there by a second operator; another is carried out on the case's page, where the person
 * who carried it out cannot approve it themselves and a colleague approves it. The Stripe simulator receives exactly
 * one refund per case and each case resolves `refunded`. A refund the guardrails blocked (over the cap) is never
 * offered; an onboarding escalation offers onboarding's outcomes; the case refuses an outcome not declared (422).
 */
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../dashboard/src/lib/server/accounts/index.ts";
import { openDatabase } from "../../db/client.ts";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign } from "../../scripts/senders.ts";
import type { Stack } from "../../scripts/stack.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { ARTIFACTS, useBrowserStack } from "../support/browser-stack.ts";
import { eventually } from "../support/wait.ts";

const OLGA = { username: "ops-olga", password: "operator-password-1", role: "operator" };
const BEN = { username: "ops-ben", password: "operator-password-2", role: "operator" };
const token = () => firstSecret(devVar("CROSSFLOW_API_TOKEN"));
/** Who the dashboard's token decides for when a test calls the case API directly. */
const OPS_API = { id: "ops-api", roles: ["operator"] };

const env = useBrowserStack("carry-out");
let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = env.stack();
  url = env.url();
  const db = openDatabase({ url: stack.libsql.url, authToken: stack.libsql.authToken });
  await createUser(db, OLGA);
  await createUser(db, BEN);
});

const api = (workflow: string, key: string, suffix = "") =>
  `${stack.worker.url}/api/cases/${workflow}/${encodeURIComponent(key)}${suffix}`;
const read = async (workflow: string, key: string, suffix = "") =>
  (await fetch(api(workflow, key, suffix), { headers: { authorization: `Bearer ${token()}` } })).json() as Promise<any>;
const stripe = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.simulators.url}/stripe${path}`, {
    ...init,
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}`, "content-type": "application/x-www-form-urlencoded" },
  });
const refundsOf = async (charge: string) =>
  ((await (await stripe("/v1/refunds")).json()) as { data: { charge: string; amount: number }[] }).data.filter(
    (r) => r.charge === charge,
  );

/** A refund ticket about a damaged item on a charge of `amount` cents, escalated by the agent; its case's names. */
async function damagedItem(amount: number) {
  const email = `damaged-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const charge = `ch_carry${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const seeded = await stripe("/v1/charges", {
    method: "POST",
    body: new URLSearchParams({ id: charge, amount: String(amount), currency: "eur" }),
  });
  expect(seeded.ok).toBe(true);
  const payload = {
    id: `zd-${crypto.randomUUID()}`,
    type: "zen:event-type:ticket.created",
    time: new Date().toISOString(),
    detail: {
      // The Zendesk simulator knows numeric ticket ids (the workflow replies on the ticket).
      id: String(100_000 + Math.floor(Math.random() * 900_000)),
      subject: "Refund request",
      description: `The lamp I paid for with ${charge} arrived damaged, the glass is cracked.`,
      tags: ["refund"],
      requester: { email },
    },
  };
  const sent = await post(stack.worker.url, await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, payload));
  expect(sent.status).toBe(202);
  const key = `customer:${email}`;
  const view = await eventually(
    async () => ((v) => (v.header?.status === "escalated" ? v : undefined))(await read("refund-dispute", key)),
    30_000,
    "the damaged-item case escalating",
  );
  return { email, key, charge, caseId: `refund-dispute/${key}`, view };
}

/** The task of `caseId` picked from the inbox's list (its row, where the list has rows), with its decision form. */
async function fromTheList(page: Page, caseId: string, step: RegExp): Promise<Locator> {
  const card = page.locator(`[data-testid="inbox-item"][data-case="${caseId}"]`);
  const row = page.locator(`[data-testid="inbox-row"][data-case="${caseId}"] a`);
  await expect
    .poll(
      async () => {
        await page.goto(`${url}/inbox`, { waitUntil: "networkidle" });
        if ((await row.count()) > 0) await row.first().click();
        return (await card.count()) > 0 ? ((await card.getAttribute("data-step")) ?? "") : "";
      },
      { timeout: 45_000, interval: 1000 },
    )
    .toMatch(step);
  // A click before the page hydrated navigates instead of selecting: let it settle before reading the task.
  await page.waitForLoadState("networkidle");
  await card.waitFor({ timeout: 10_000 });
  return card;
}

const resultText = (page: Page) =>
  page.getByTestId("decision-result").or(page.getByTestId("decision-error")).first().textContent({ timeout: 2000 });

describe("carry it out", () => {
  it("from the inbox's list: the refund offered in words is carried out, a second operator approves it there, Stripe refunds once and the case resolves refunded", async () => {
    const { key, charge, caseId, view } = await damagedItem(8000);
    expect(view.wait.human).toMatchObject({
      kind: "escalation",
      allowed: ["carry-out", "resolve"],
      packet: { carryOut: `refund {"charge":"${charge}","amount":8000,"currency":"eur"}` },
    });
    // The case takes only the outcomes refund-dispute declares.
    const undeclared = await fetch(api("refund-dispute", key, "/decisions"), {
      method: "POST",
      headers: { authorization: `Bearer ${token()}`, "content-type": "application/json" },
      body: JSON.stringify({
        step: view.wait.stepId,
        decision: "resolve",
        outcome: "refunded-by-phone",
        actor: OPS_API,
      }),
    });
    expect(undeclared.status).toBe(422);
    expect(await undeclared.json()).toMatchObject({
      error: { code: "outcome_not_declared", message: expect.stringContaining("refunded-manually") },
    });

    const olga = await env.signedIn(OLGA);
    const card = await fromTheList(olga, caseId, /^triage:escalate$/);
    const offer = card.getByTestId("decide-carry-out");
    await expect(offer.textContent()).resolves.toBe(`Carry it out: refund €80.00 on ${charge}`);
    await expect(card.getByRole("button", { name: "Resolve without it" }).count()).resolves.toBe(1);
    const options = await card.locator('select[name="outcome"] option').allTextContents();
    expect(options).toEqual(expect.arrayContaining(["Refunded by hand", "Refund denied", "No action needed"]));
    await olga.screenshot({ path: join(ARTIFACTS, "carry-out-inbox.png"), fullPage: true });

    await card.getByLabel("Note (recorded with your decision)").fill("Photo shows the cracked glass; refund it.");
    await card.getByLabel("Minutes spent (optional)").fill("3");
    await offer.click();
    await expect.poll(() => resultText(olga), { timeout: 15_000 }).toMatch(/carry-out decision was recorded/);
    // It asks for the refund's approval (over 50 EUR) with Olga as the requester: Ben approves it from the list.
    const approval = await eventually(
      async () => ((v) => (v.wait?.human?.kind === "approval" ? v : undefined))(await read("refund-dispute", key)),
      15_000,
      "the approval after carrying out",
    );
    expect(approval.wait.human).toMatchObject({ requestedBy: OLGA.username, allowed: ["approve", "reject"] });
    expect(await refundsOf(charge)).toEqual([]);

    const ben = await env.signedIn(BEN);
    const approvalCard = await fromTheList(ben, caseId, /^triage:approve:/);
    await approvalCard.getByTestId("decide-approve").click();
    await expect.poll(() => resultText(ben), { timeout: 15_000 }).toMatch(/approve decision was recorded/);

    const done = await eventually(
      async () => ((v) => (v.header?.status === "resolved" ? v : undefined))(await read("refund-dispute", key)),
      20_000,
      "the case resolving",
    );
    expect(done.header.outcome).toBe("refunded");
    expect(await refundsOf(charge)).toEqual([expect.objectContaining({ amount: 8000 })]);
    expect(done.decisions.map((d: any) => `${d.decision}:${d.actor.id}`)).toEqual([
      "carry-out:ops-olga",
      "approve:ops-ben",
    ]);
    const audit = await read("refund-dispute", key, "/audit");
    expect(audit.verification.valid).toBe(true);
    expect(audit.entries.find((e: any) => e.action === "escalation.carried_out")).toMatchObject({
      actor: { kind: "human", id: OLGA.username },
      detail: { by: OLGA.username, note: "Photo shows the cracked glass; refund it.", minutesSpent: 3 },
    });
  });

  it("from the case's page: the person who carried it out cannot approve it too; a colleague approves there and Stripe refunds once", async () => {
    const { key, charge, view } = await damagedItem(7000);
    const casePage = `${url}/cases/refund-dispute/${encodeURIComponent(key)}`;
    // On a phone: the offer wraps within the screen.
    const olga = await env.signedIn(OLGA, { width: 390, height: 844 });
    await olga.goto(casePage, { waitUntil: "networkidle" });
    const decision = olga.getByTestId("case-decision");
    await expect(decision.getByTestId("decide-carry-out").textContent()).resolves.toContain(
      "Carry it out: refund €70.00",
    );
    const box = await decision.getByTestId("decision-form").boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await olga.screenshot({ path: join(ARTIFACTS, "carry-out-case-page-390.png"), fullPage: true });
    await decision.getByTestId("decide-carry-out").click();
    await expect.poll(() => resultText(olga), { timeout: 15_000 }).toContain("Sent: carry-out");
    await eventually(
      async () => ((v) => (v.wait?.human?.kind === "approval" ? v : undefined))(await read("refund-dispute", key)),
      15_000,
      "the approval after carrying out",
    );
    await olga.goto(casePage, { waitUntil: "networkidle" });
    await olga.getByTestId("case-decision").getByTestId("decide-approve").click();
    await expect.poll(() => resultText(olga), { timeout: 15_000 }).toContain("someone else has to grant it");
    expect(await refundsOf(charge)).toEqual([]);

    const ben = await env.signedIn(BEN);
    await ben.goto(casePage, { waitUntil: "networkidle" });
    await ben.getByTestId("case-decision").getByTestId("decide-approve").click();
    await expect.poll(() => resultText(ben), { timeout: 15_000 }).toContain("Sent: approve");
    const done = await eventually(
      async () => ((v) => (v.header?.status === "resolved" ? v : undefined))(await read("refund-dispute", key)),
      20_000,
      "the case resolving",
    ).catch(async (e) => {
      console.log(JSON.stringify(await read("refund-dispute", key), null, 1).slice(0, 6000));
      throw e;
    });
    expect(done.header.outcome).toBe("refunded");
    expect(await refundsOf(charge)).toEqual([expect.objectContaining({ amount: 7000 })]);
    expect(view.wait.stepId).toBe("triage:escalate");
    await ben.screenshot({ path: join(ARTIFACTS, "carry-out-case-page.png"), fullPage: true });
  });

  it("never offers a refund the guardrails blocked: the task says why and the case refuses a carry-out", async () => {
    const { key, charge, caseId, view } = await damagedItem(15000);
    expect(view.wait.human.allowed).toEqual(["resolve"]);
    expect(view.wait.human.packet.cannotCarryOut).toContain("over the cap");
    const olga = await env.signedIn(OLGA);
    const card = await fromTheList(olga, caseId, /^triage:escalate$/);
    await expect(card.getByTestId("decide-carry-out").count()).resolves.toBe(0);
    await expect(card.getByTestId("no-carry-out").textContent()).resolves.toContain("over the cap");
    const refused = await fetch(api("refund-dispute", key, "/decisions"), {
      method: "POST",
      headers: { authorization: `Bearer ${token()}`, "content-type": "application/json" },
      body: JSON.stringify({ step: view.wait.stepId, decision: "carry-out", actor: OPS_API }),
    });
    expect(refused.status).toBe(422);
    expect(await refundsOf(charge)).toEqual([]);
  });

  it("offers an onboarding escalation onboarding's own outcomes", async () => {
    const email = `applicant-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const application = {
      email,
      name: "Ada Byron",
      birthDate: "1990-12-10",
      country: "BR",
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
    const key = `customer:${email}`;
    const escalated = await eventually(
      async () => ((v) => (v.header?.status === "escalated" ? v : undefined))(await read("customer-onboarding", key)),
      30_000,
      "the onboarding case escalating",
    );
    // No market serves Brazil: a rule (not the agent) hands it to the onboarding team, with nothing to carry out.
    expect(escalated.wait).toMatchObject({ stepId: "unsupported-market", human: { allowed: ["resolve"] } });
    const olga = await env.signedIn(OLGA);
    const card = await fromTheList(olga, `customer-onboarding/${key}`, /^unsupported-market$/);
    await olga.screenshot({ path: join(ARTIFACTS, "carry-out-onboarding.png"), fullPage: true });
    const options = await card.locator('select[name="outcome"] option').allTextContents();
    expect(options).toEqual(
      expect.arrayContaining(["Onboarded by hand", "Application rejected", "The applicant withdrew"]),
    );
    expect(options).not.toContain("Refunded by hand");
    await expect(card.getByTestId("decide-carry-out").count()).resolves.toBe(0);
  });
});
