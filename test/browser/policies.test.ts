/**
 * The Policies page in Chromium against the real stack: an admin edits refund-dispute's refund limits; a value the
 * declared schema refuses is shown with its problem in words and nothing is saved; the diff against the version in
 * force shows what a valid edit changes; saving makes it the version in force, as the worker's case API has it, with
 * who and why in the history; a rollback to the defaults is a new version. Viewers cannot open the page.
 */
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../dashboard/src/lib/server/accounts/index.ts";
import { openDatabase } from "../../db/client.ts";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import type { PoliciesView } from "../../workers/case-api.ts";
import { useBrowserStack } from "../support/browser-stack.ts";

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
});
