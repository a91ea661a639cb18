/**
 * Policies as data on `wrangler dev` (issue 21, done-when 1): an admin lowers refund-dispute's refund cap through the
 * case API the dashboard uses, with no deploy; the next refund case decides under the new cap (its refund refused, a
 * person asked within the new SLA), while a case that was already waiting for a person's approval keeps the version it
 * read and refunds under the old one once approved. Both audits name their policy version. Also: an invalid value and a stale save are refused precisely, and a rollback is
 * a new version equal to the defaults.
 */
import { createClient } from "@libsql/client/web";
import { describe, expect, it } from "vitest";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign } from "../../scripts/senders.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { useStack } from "../support/stack.ts";
import { eventually } from "../support/wait.ts";

const token = () => firstSecret(devVar("CROSSFLOW_API_TOKEN"));
const stack = useStack("policies");
const WF = "refund-dispute";
const ADMIN = "policy-admin";

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack().worker.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token()}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const stripe = (path: string, init: RequestInit = {}) =>
  fetch(`${stack().simulators.url}/stripe${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${SIMULATOR_KEYS.stripe}`,
      "content-type": "application/x-www-form-urlencoded",
      ...init.headers,
    },
  });

/** A customer reports a duplicate charge of `amount` (minor units); returns their email and the charge id. */
async function refundRequest(name: string, amount: number) {
  const charge = `ch_pol${name}${Date.now()}`;
  await stripe("/v1/charges", {
    method: "POST",
    body: new URLSearchParams({ id: charge, amount: String(amount), currency: "eur" }),
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
  const res = await post(stack().worker.url, await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, payload));
  expect(res.status).toBe(202);
  return { email, charge };
}

const casePath = (email: string) => `/cases/${WF}/${encodeURIComponent(`customer:${email}`)}`;
const policyReads = async (email: string) =>
  ((await api("GET", `${casePath(email)}/audit`)).body.entries as any[])
    .filter((e) => e.action === "policy.read")
    .map((e) => e.detail.policy);
const refundsOf = async (charge: string) =>
  ((await (await stripe("/v1/refunds")).json()) as { data: { charge: string; amount: number }[] }).data
    .filter((r) => r.charge === charge)
    .map((r) => r.amount);

describe("refund-dispute's limits as a policy on wrangler dev", () => {
  it("a lowered cap applies to the next case at once, while a case waiting for approval keeps its version", async () => {
    const initial = await api("GET", `/policies/${WF}`);
    expect(initial.status).toBe(200);
    expect(initial.body.policies[0]).toMatchObject({
      name: "refund-limits",
      inForce: { version: 0, value: { capMinor: 10_000, approvalAboveMinor: 5_000, personSla: "8h" } },
      latest: 0,
      versions: [],
    });

    // 80.00 EUR under the defaults (cap 100, approval above 50): it waits for a person's approval.
    const early = await refundRequest("early", 8_000);
    const waiting = await eventually(
      async () => {
        const v = (await api("GET", casePath(early.email))).body;
        return v.wait?.kind === "human" ? v : undefined;
      },
      30_000,
      "approval requested under the defaults",
    );

    // The admin lowers the cap to 50.00: an invalid value and a stale save are refused first.
    const invalid = await api("POST", `/policies/${WF}/refund-limits`, {
      value: { capMinor: 5_000, approvalAboveMinor: 6_000, personSla: "soon" },
      reason: "Q3 limits",
      basedOn: 0,
      actor: ADMIN,
    });
    expect(invalid).toMatchObject({ status: 422, body: { error: { code: "invalid_policy" } } });
    expect(invalid.body.error.message).toContain("approvalAboveMinor: the approval threshold cannot be above the cap");
    expect(invalid.body.error.message).toContain("personSla:");
    const lowered = await api("POST", `/policies/${WF}/refund-limits`, {
      value: { capMinor: 5_000, approvalAboveMinor: 2_500, personSla: "4h" },
      reason: "Q3 limits: lower cap after the chargeback review",
      basedOn: 0,
      actor: ADMIN,
    });
    expect(lowered.status).toBe(200);
    expect(lowered.body.policies[0]).toMatchObject({
      inForce: { version: 1, value: { capMinor: 5_000 } },
      latest: 1,
      versions: [
        { version: 1, who: `person:${ADMIN} via dashboard`, why: "Q3 limits: lower cap after the chargeback review" },
      ],
    });
    const stale = await api("POST", `/policies/${WF}/refund-limits`, {
      value: { capMinor: 9_000, approvalAboveMinor: 2_500, personSla: "4h" },
      reason: "an edit begun before version 1",
      basedOn: 0,
      actor: ADMIN,
    });
    expect(stale).toMatchObject({ status: 409, body: { error: { code: "stale_version" } } });

    // The next 80.00 EUR request decides under the new cap: the guardrail refuses the refund and a person gets the
    // case, within the new 4 h.
    const late = await refundRequest("late", 8_000);
    const lateView = await eventually(
      async () => {
        const v = (await api("GET", casePath(late.email))).body;
        return v.header?.status === "escalated" ? v : undefined;
      },
      30_000,
      "the late case handed to a person",
    );
    expect(lateView.wait.human.packet.reason).toContain(
      "amount 80.00 EUR is over the cap of 50.00 EUR (refund-limits version 1)",
    );
    expect(lateView.wait.human.slaDeadline - lateView.wait.startedAt).toBe(4 * 3_600_000);
    expect(await refundsOf(late.charge)).toEqual([]);
    expect(await policyReads(late.email)).toEqual(["refund-limits@1"]);

    // The early case, approved now, refunds 80.00 under the version it read (cap 100).
    const decided = await api("POST", `${casePath(early.email)}/decisions`, {
      step: waiting.wait.stepId,
      decision: "approve",
      actor: { id: "ops-ana", roles: ["operator"] },
      note: "duplicate confirmed",
    });
    expect(decided.status).toBe(202);
    await eventually(
      async () => ((await api("GET", casePath(early.email))).body.header.status === "resolved" ? true : undefined),
      30_000,
      "the early case resolved after approval",
    );
    expect(await refundsOf(early.charge)).toEqual([8_000]);
    expect(await policyReads(early.email)).toEqual(["refund-limits@0"]);

    // Each case's row in the metrics database names the policy versions it decided under (what KPIs split by).
    const db = createClient({ url: stack().libsql.url, authToken: stack().libsql.authToken });
    const versionsOf = async (email: string) =>
      (
        await db.execute({
          sql: "SELECT policy_versions, status FROM cases WHERE case_id = ?",
          args: [`${WF}/customer:${email}`],
        })
      ).rows[0];
    await eventually(
      async () => ((r) => (r?.status === "resolved" ? r : undefined))(await versionsOf(early.email)),
      30_000,
      "the early case's row resolved",
    );
    expect((await versionsOf(early.email))?.policy_versions).toBe("refund-limits@0");
    expect((await versionsOf(late.email))?.policy_versions).toBe("refund-limits@1");

    // A rollback to the defaults is a new version, with who and why.
    const rolled = await api("POST", `/policies/${WF}/refund-limits/rollbacks`, {
      to: 0,
      reason: "the lower cap sent too many to people",
      basedOn: 1,
      actor: ADMIN,
    });
    expect(rolled.status).toBe(200);
    expect(rolled.body.policies[0]).toMatchObject({
      inForce: { version: 2, value: { capMinor: 10_000 } },
      versions: [{ version: 2, rollbackOf: 0 }, { version: 1 }],
    });
  });
});
