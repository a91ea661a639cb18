/**
 * Per-caller API keys on `wrangler dev`, end to end: keys made with `npm run keys` and by the dashboard's store, used
 * against the case API. A key acts as its holder with its role and scope; only the dashboard's server token names
 * another person; a revoked key is refused on its very next call; decisions record the key beside the person.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createApiKey } from "../../db/api-keys.ts";
import { openDatabase } from "../../db/client.ts";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign } from "../../scripts/senders.ts";
import { ROOT } from "../../scripts/stack.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { useStack } from "../support/stack.ts";
import { eventually } from "../support/wait.ts";

const stack = useStack("api-keys");
const db = () => openDatabase({ url: stack().libsql.url, authToken: stack().libsql.authToken });
const dashboardToken = () => firstSecret(devVar("CROSSFLOW_API_TOKEN"));

/** `npm run keys -- <args>` (the script itself) against this stack's database. */
async function keysCli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/keys.ts", ...args],
    {
      cwd: ROOT,
      env: { ...process.env, TURSO_DATABASE_URL: stack().libsql.url, TURSO_AUTH_TOKEN: stack().libsql.authToken },
      timeout: 30_000,
    },
  );
  return stdout;
}

const api = (token: string, path: string, init: RequestInit = {}) =>
  fetch(`${stack().worker.url}/api${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
  });

async function errorOf(res: Response): Promise<{ status: number; code: string }> {
  return { status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code };
}

/** A refund over 50 EUR: its case parks on an approval in the `refunds` queue (operator role). */
async function refundAwaitingApproval(): Promise<{ path: string; stepId: string }> {
  const charge = `ch_keys${Date.now()}${Math.floor(Math.random() * 1000)}`;
  await fetch(`${stack().simulators.url}/stripe/v1/charges`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ id: charge, amount: "9000", currency: "eur" }),
  });
  const email = `keys-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const payload = {
    id: `zd-${crypto.randomUUID()}`,
    type: "zen:event-type:ticket.created",
    time: new Date().toISOString(),
    detail: {
      id: String(Date.now()),
      subject: "Refund",
      description: `Charged twice on ${charge}, please refund.`,
      tags: ["refund"],
      requester: { email },
    },
  };
  expect((await post(stack().worker.url, await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, payload))).status).toBe(
    202,
  );
  const path = `/cases/refund-dispute/${encodeURIComponent(`customer:${email}`)}`;
  const view = await eventually(
    async () => {
      const v = (await (await api(dashboardToken(), path)).json()) as any;
      return v.wait?.kind === "human" ? v : undefined;
    },
    30_000,
    "approval requested",
  );
  return { path, stepId: view.wait.stepId };
}

describe("API keys on wrangler dev", () => {
  it("a viewer key reads cases and audit trails but cannot decide; a key limited to another workflow sees neither the case nor dead letters", async () => {
    const { path, stepId } = await refundAwaitingApproval();
    const out = await keysCli("create", "--name", "weekly report", "--role", "viewer", "--by", "admin");
    const viewerKey = /^(cfk_\S+)$/m.exec(out)![1]!;
    expect((await api(viewerKey, path)).status).toBe(200);
    expect((await api(viewerKey, `${path}/audit`)).status).toBe(200);
    expect((await api(viewerKey, "/dead-letters")).status).toBe(200);
    expect(
      await errorOf(
        await api(viewerKey, `${path}/decisions`, {
          method: "POST",
          body: JSON.stringify({ step: stepId, decision: "approve" }),
        }),
      ),
    ).toEqual({ status: 403, code: "insufficient_role" });

    const { key: onboardingOnly } = await createApiKey(db(), {
      name: "onboarding bot",
      role: "operator",
      workflows: ["customer-onboarding"],
      createdBy: "admin",
    });
    expect(await errorOf(await api(onboardingOnly, path))).toEqual({ status: 403, code: "out_of_scope" });
    expect(
      await errorOf(
        await api(onboardingOnly, `${path}/decisions`, {
          method: "POST",
          body: JSON.stringify({ step: stepId, decision: "approve" }),
        }),
      ),
    ).toEqual({ status: 403, code: "out_of_scope" });
    expect(await errorOf(await api(onboardingOnly, "/dead-letters"))).toEqual({ status: 403, code: "out_of_scope" });

    const listed = await keysCli("list");
    expect(listed).toContain("weekly report · acts as weekly-report · viewer · all workflows");
    expect(listed).toMatch(/onboarding bot · acts as onboarding-bot · operator · customer-onboarding/);
    expect(listed).not.toMatch(/weekly report[^\n]*last used -/); // it was used above
  });

  it("an operator key decides only as its holder: naming another person is refused and audited, deciding as itself records the key and the holder", async () => {
    const { path, stepId } = await refundAwaitingApproval();
    const { key, row } = await createApiKey(db(), {
      name: "ops console",
      holder: "ops-ben",
      role: "operator",
      workflows: ["refund-dispute"],
      createdBy: "admin",
    });

    const impersonation = await api(key, `${path}/decisions`, {
      method: "POST",
      body: JSON.stringify({
        step: stepId,
        decision: "approve",
        actor: { id: "ops-ana", roles: ["operator", "admin"] },
      }),
    });
    expect(await errorOf(impersonation)).toEqual({ status: 403, code: "actor_not_allowed" });
    expect(((await (await api(dashboardToken(), path)).json()) as any).wait?.kind).toBe("human"); // nothing was decided

    const decided = await api(key, `${path}/decisions`, {
      method: "POST",
      body: JSON.stringify({ step: stepId, decision: "approve", note: "statement shows the duplicate" }),
    });
    expect(decided.status).toBe(202);
    const view = (await (await api(key, path)).json()) as any;
    expect(view.decisions).toMatchObject([
      { stepId, decision: "approve", actor: { id: "ops-ben", roles: ["operator"] }, via: row.id },
    ]);
    const audit = (await (await api(key, `${path}/audit`)).json()) as any;
    expect(audit.entries.find((e: any) => e.action === "human.decision_refused")).toMatchObject({
      actor: { kind: "human", id: "ops-ana" },
      detail: { code: "actor_not_allowed" },
    });
    expect(audit.entries.find((e: any) => e.action === "human.decision")).toMatchObject({
      actor: { kind: "human", id: "ops-ben" },
      detail: { decision: "approve", via: row.id },
    });
    expect(audit.verification.valid).toBe(true);
  });

  it("the dashboard's server token must name the signed-in person, and its decisions record that they came through the dashboard", async () => {
    const { path, stepId } = await refundAwaitingApproval();
    expect(
      await errorOf(
        await api(dashboardToken(), `${path}/decisions`, {
          method: "POST",
          body: JSON.stringify({ step: stepId, decision: "reject" }),
        }),
      ),
    ).toEqual({ status: 400, code: "actor_required" });
    const res = await api(dashboardToken(), `${path}/decisions`, {
      method: "POST",
      body: JSON.stringify({
        step: stepId,
        decision: "reject",
        actor: { id: "ops-cleo", roles: ["operator"] },
        note: "not a duplicate",
      }),
    });
    expect(res.status).toBe(202);
    const view = (await (await api(dashboardToken(), path)).json()) as any;
    expect(view.decisions).toMatchObject([{ actor: { id: "ops-cleo" }, via: "dashboard" }]);
  });

  it("a revoked key is refused on its very next call, and unknown or malformed keys are refused with their own codes", async () => {
    const { key, row } = await createApiKey(db(), { name: "to revoke", role: "viewer", createdBy: "admin" });
    expect((await api(key, "/dead-letters")).status).toBe(200);
    expect(await keysCli("revoke", row.id, "--by", "admin")).toContain(`revoked ${row.id}`);
    expect(await errorOf(await api(key, "/dead-letters"))).toEqual({ status: 401, code: "revoked_key" });
    expect(await errorOf(await api(key.slice(0, -2) + (key.endsWith("xx") ? "yy" : "xx"), "/dead-letters"))).toEqual({
      status: 401,
      code: "unknown_key",
    });
    expect(await errorOf(await api("cfk_nope", "/dead-letters"))).toEqual({ status: 401, code: "malformed_key" });
    expect(await errorOf(await api("not-a-token", "/dead-letters"))).toEqual({ status: 401, code: "bad_token" });
  });
});
