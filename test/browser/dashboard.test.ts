/**
 * The dashboard in a real browser against the real stack, signed in as the first admin: cases sent as signed
 * webhooks show up as counts.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { devVar } from "../../scripts/dev-vars.ts";
import { issueOpenedPayload, post, sign } from "../../scripts/senders.ts";
import type { Stack } from "../../scripts/stack.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { ARTIFACTS, useBrowserStack } from "../support/browser-stack.ts";

const env = useBrowserStack("dashboard");
let stack: Stack;
beforeAll(() => {
  stack = env.stack();
});

/** A page signed in as the first admin the stack created. */
const signedInPage = () => env.signedIn(undefined, { width: 1280, height: 720 });

async function sendIssue(number: number) {
  const res = await post(
    stack.worker.url,
    await sign.github(devVar("GITHUB_WEBHOOK_SECRET")!, "issues", issueOpenedPayload("acme/browser", number)),
  );
  expect(res.status).toBe(202);
}

describe("dashboard", () => {
  it("shows each new case within 5 s of its webhook, without a reload", async () => {
    const page = await signedInPage();
    await page.goto(stack.dashboard!.url);
    await expect(page.getByTestId("empty").textContent()).resolves.toContain("No cases yet");

    await sendIssue(1);
    const row = page.locator('[data-workflow="github-issue-triage"]');
    await row.getByTestId("opened").filter({ hasText: /^1$/ }).waitFor({ timeout: 5000 });

    await Promise.all([sendIssue(2), sendIssue(3)]);
    await row.getByTestId("opened").filter({ hasText: /^3$/ }).waitFor({ timeout: 5000 });
    await row.getByTestId("resolved").filter({ hasText: /^3$/ }).waitFor({ timeout: 5000 });

    await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
    await page.close();
  });

  it("says plainly when a workflow's agent steps run on the offline rules model", async () => {
    const page = await signedInPage();
    await page.goto(stack.dashboard!.url);
    const charge = `ch_browser${Date.now()}`;
    await fetch(`${stack.simulators.url}/stripe/v1/charges`, {
      method: "POST",
      headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}` },
      body: new URLSearchParams({ id: charge, amount: "1900", currency: "eur" }),
    });
    const ticket = {
      id: `zd-${crypto.randomUUID()}`,
      type: "zen:event-type:ticket.created",
      detail: {
        id: "1",
        subject: "Refund",
        description: `Charged twice: ${charge}`,
        tags: ["refund"],
        requester: { email: "browser@example.com" },
      },
    };
    expect((await post(stack.worker.url, await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, ticket))).status).toBe(
      202,
    );
    const row = page.locator('[data-workflow="refund-dispute"]');
    await row
      .getByTestId("agent-model")
      .filter({ hasText: "offline rules model, not an LLM" })
      .waitFor({ timeout: 10_000 });
    await expect(
      page.locator('[data-workflow="github-issue-triage"]').getByTestId("agent-model").textContent(),
    ).resolves.toContain("no agent steps");
    await page.close();
  });

  it("an admin creates an API key on the API keys page, sees it once, the API takes it as its holder, and a revoke refuses it at once", async () => {
    const page = await signedInPage();
    await page.goto(`${stack.dashboard!.url}/admin/keys`);
    await page.locator('input[name="name"]').fill("browser report");
    await page.locator('input[name="holder"]').fill("report-bot");
    await page.locator('select[name="role"]').selectOption("viewer");
    await page.locator('input[name="workflows"]').fill("github-issue-triage");
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.getByTestId("new-key").textContent())!.trim();
    expect(key).toMatch(/^cfk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const id = key.split("_")[1]!;
    const row = page.locator(`[data-testid="keys"] tr[data-key="${id}"]`);
    await expect(row.getByTestId("scope").textContent()).resolves.toBe("github-issue-triage");
    await expect(row.getByTestId("last-used").textContent()).resolves.toBe("never");

    const call = (path: string) =>
      fetch(`${stack.worker.url}/api${path}`, { headers: { authorization: `Bearer ${key}` } });
    expect((await call(`/cases/github-issue-triage/${encodeURIComponent("github:acme/browser#1")}`)).status).toBe(200);
    expect((await call("/dead-letters")).status).toBe(403); // limited to one workflow: dead letters come before routing

    await page.reload();
    await expect(page.getByTestId("new-key").count()).resolves.toBe(0); // shown once
    await expect(row.getByTestId("last-used").textContent()).resolves.toMatch(/UTC$/);
    await row.getByRole("button", { name: "Revoke" }).click();
    await page.locator(`[data-testid="revoked-keys"] tr[data-key="${id}"]`).waitFor({ timeout: 5000 });
    const refused = await call(`/cases/github-issue-triage/${encodeURIComponent("github:acme/browser#1")}`);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("revoked_key");
    await page.close();
  });
});
