/**
 * The Policies page in Chromium against the real stack: an admin edits refund-dispute's refund limits; a value the
 * declared schema refuses is shown with its problem in words and nothing is saved; the diff against the version in
 * force shows what a valid edit changes; saving makes it the version in force, as the worker's case API has it, with
 * who and why in the history; a rollback to the defaults is a new version. Viewers cannot open the page. The workflow
 * page splits the KPIs by the policy version each case decided under.
 */
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../dashboard/src/lib/server/accounts/index.ts";
import { openDatabase } from "../../db/client.ts";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign } from "../../scripts/senders.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import type { PoliciesView } from "../../workers/case-api.ts";
import { useBrowserStack } from "../support/browser-stack.ts";
import { eventually } from "../support/wait.ts";

const VIEWER = { username: "policy-vera", password: "viewer-password-56", role: "viewer" } as const;
const env = useBrowserStack("policies");
let admin: Page;

beforeAll(async () => {
  const stack = env.stack();
  await createUser(openDatabase({ url: stack.libsql.url, authToken: stack.libsql.authToken }), VIEWER);
  admin = await env.signedIn();
}, 120_000);

async function apiPolicies(): Promise<PoliciesView> {
  const res = await fetch(`${env.stack().worker.url}/api/policies/refund-dispute`, {
    headers: { authorization: `Bearer ${firstSecret(devVar("CROSSFLOW_API_TOKEN"))}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as PoliciesView;
}

const LIMITS = "[data-policy='refund-dispute/refund-limits']";

describe("the Policies page", () => {
  it("refuses an invalid edit in words, shows the diff of a valid one, saves it as the version in force and rolls back", async () => {
    await admin.goto(`${env.url()}/admin/policies`, { waitUntil: "networkidle" });
    const section = admin.locator(LIMITS);
    expect(await section.getByTestId("in-force").textContent()).toContain("the defaults");
    const editor = section.getByTestId("policy-value");
    expect(JSON.parse(await editor.inputValue())).toEqual({
      capMinor: 10_000,
      approvalAboveMinor: 5_000,
      personSla: "8h",
    });

    // Not valid JSON: the diff says so at once.
    await editor.fill('{ "capMinor": ');
    expect(await section.getByTestId("policy-diff").textContent()).toContain("not valid JSON");

    // Valid JSON the schema refuses: the problem in words, nothing saved.
    await editor.fill(JSON.stringify({ capMinor: 5_000, approvalAboveMinor: 6_000, personSla: "8h" }));
    await section.getByTestId("policy-reason").fill("Q3 limits");
    await section.getByRole("button", { name: "Save as a new version" }).click();
    const problems = section.getByTestId("policy-problems");
    await problems.waitFor({ timeout: 15_000 });
    expect(await problems.textContent()).toContain("the approval threshold cannot be above the cap");
    expect((await apiPolicies()).policies[0]!.latest).toBe(0);

    // A valid edit: the diff shows each changed rule against the version in force.
    await editor.fill(JSON.stringify({ capMinor: 5_000, approvalAboveMinor: 2_500, personSla: "4h" }, null, 2));
    const diff = section.getByTestId("policy-diff");
    expect(
      await diff.locator("tr[data-field]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-field"))),
    ).toEqual(["capMinor", "approvalAboveMinor", "personSla"]);
    expect(await diff.locator("tr[data-field=capMinor] td").allTextContents()).toEqual(["capMinor", "10000", "5000"]);
    await section.getByTestId("policy-reason").fill("Q3 limits: lower cap after the chargeback review");
    await section.getByRole("button", { name: "Save as a new version" }).click();
    await section.getByTestId("policy-message").filter({ hasText: "Saved as version 1" }).waitFor({ timeout: 15_000 });
    expect(await section.getByTestId("in-force").textContent()).toContain("version 1");

    const saved = (await apiPolicies()).policies[0]!;
    expect(saved.inForce).toMatchObject({
      version: 1,
      value: { capMinor: 5_000, approvalAboveMinor: 2_500, personSla: "4h" },
    });
    const admin1 = env.firstAdmin().username;
    expect(saved.versions[0]).toMatchObject({
      who: `person:${admin1} via dashboard`,
      why: "Q3 limits: lower cap after the chargeback review",
    });
    const row = section.locator("table[data-testid=policy-history] tr[data-version='1']");
    expect(await row.textContent()).toContain(`by person:${admin1} via dashboard`);

    // Roll back to the defaults: a new version 2 that restores them.
    const defaults = section.locator("table[data-testid=policy-history] tr[data-version='0']");
    await defaults.getByLabel("Why roll back").fill("the lower cap sent too many refunds to people");
    await defaults.getByRole("button", { name: "Roll back to this" }).click();
    await section
      .getByTestId("policy-message")
      .filter({ hasText: "version 2 restores the defaults" })
      .waitFor({ timeout: 15_000 });
    expect((await apiPolicies()).policies[0]!.inForce).toMatchObject({ version: 2, value: { capMinor: 10_000 } });
    expect(JSON.parse(await editor.inputValue())).toMatchObject({ capMinor: 10_000 });
  }, 120_000);

  it("is for admins only", async () => {
    const viewer = await env.signedIn(VIEWER);
    const res = await viewer.goto(`${env.url()}/admin/policies`);
    expect(res?.status()).toBe(403);
  });

  it("splits the workflow page's KPIs by the policy version each case decided under", async () => {
    const stack = env.stack();
    const db = openDatabase({ url: stack.libsql.url, authToken: stack.libsql.authToken });
    /** A 30 EUR duplicate charge: refunded alone under either limits. Returns the case id. */
    async function refundCase(name: string) {
      const charge = `ch_brpol${name}${Date.now()}`;
      await fetch(`${stack.simulators.url}/stripe/v1/charges`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${SIMULATOR_KEYS.stripe}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ id: charge, amount: "3000", currency: "eur" }),
      });
      const email = `${name}-${crypto.randomUUID().slice(0, 8)}@example.com`;
      const payload = {
        id: `zd-${crypto.randomUUID()}`,
        type: "zen:event-type:ticket.created",
        time: new Date().toISOString(),
        detail: {
          id: String(Math.floor(Math.random() * 1e9)),
          subject: "Refund request",
          description: `Double charged on ${charge}, please refund.`,
          tags: ["refund"],
          requester: { email },
        },
      };
      expect(
        (await post(stack.worker.url, await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, payload))).status,
      ).toBe(202);
      return `refund-dispute/customer:${email}`;
    }
    const rowOf = (caseId: string) =>
      eventually(
        async () => {
          const rows = await db.$client.execute({
            sql: "SELECT status, policy_versions FROM cases WHERE case_id = ?",
            args: [caseId],
          });
          const r = rows.rows[0];
          return r?.status === "resolved" ? r : undefined;
        },
        60_000,
        `${caseId} resolved in the metrics database`,
      );

    const before = (await apiPolicies()).policies[0]!;
    const under = before.inForce.version;
    const first = await refundCase("before");
    expect((await rowOf(first)).policy_versions).toBe(`refund-limits@${under}`);
    const saved = await fetch(`${stack.worker.url}/api/policies/refund-dispute/refund-limits`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${firstSecret(devVar("CROSSFLOW_API_TOKEN"))}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        value: { capMinor: 5_000, approvalAboveMinor: 4_000, personSla: "8h" },
        reason: "a lower cap for the KPI split",
        basedOn: before.latest,
        actor: env.firstAdmin().username,
      }),
    });
    expect(saved.status).toBe(200);
    const second = await refundCase("after");
    expect((await rowOf(second)).policy_versions).toBe(`refund-limits@${before.latest + 1}`);

    await admin.goto(`${env.url()}/workflows/refund-dispute`, { waitUntil: "networkidle" });
    const split = admin.getByTestId("policy-versions");
    const cases = (policies: string) => split.locator(`tr[data-policies="${policies}"] [data-testid=policy-cases]`);
    expect(await cases(`refund-limits@${under}`).textContent()).toBe("1");
    expect(await cases(`refund-limits@${before.latest + 1}`).textContent()).toBe("1");
  }, 180_000);
});
