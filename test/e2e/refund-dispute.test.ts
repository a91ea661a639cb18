/**
 * The refund-dispute workflow end to end on `wrangler dev` with the offline model, as `npm start` runs it: a
 * signed Zendesk ticket opens the case, the agent step decides by the workflow's rules inside its guardrails,
 * and the refund lands in the local Stripe simulator once; a large one waits for a person's approval.
 */
import { createClient } from "@libsql/client/web";
import { describe, expect, it } from "vitest";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { exportLabels } from "../../scripts/eval-export.ts";
import { post, sign } from "../../scripts/senders.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { runDemo, useStack } from "../support/stack.ts";
import { eventually } from "../support/wait.ts";

const token = () => firstSecret(devVar("CROSSFLOW_API_TOKEN"));

const stack = useStack("refund-dispute");

const stripe = (path: string, init: RequestInit = {}) =>
  fetch(`${stack().simulators.url}/stripe${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${SIMULATOR_KEYS.stripe}`,
      "content-type": "application/x-www-form-urlencoded",
      ...init.headers,
    },
  });

let tickets = 100;
async function ticket(email: string, description: string): Promise<number> {
  const id = ++tickets;
  const payload = {
    id: `zd-${crypto.randomUUID()}`,
    type: "zen:event-type:ticket.created",
    time: new Date().toISOString(),
    detail: { id: String(id), subject: "Refund request", description, tags: ["refund"], requester: { email } },
  };
  const res = await post(stack().worker.url, await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, payload));
  expect(res.status).toBe(202);
  return id;
}

const caseOf = (email: string) =>
  fetch(`${stack().worker.url}/api/cases/refund-dispute/${encodeURIComponent(`customer:${email}`)}`, {
    headers: { authorization: `Bearer ${token()}` },
  }).then((r) => r.json() as Promise<any>);

describe("refund-dispute on wrangler dev (offline model)", () => {
  it("npm run demo drives a mix of refund and onboarding cases to settled states and prints a summary of their own states", async () => {
    const {
      opened,
      autonomous,
      withHelp,
      awaitingApproval: approval,
      escalated,
      askedCustomer: asked,
      failed,
      inFlight,
    } = await runDemo(stack(), ["--cases", "40"]);
    expect(opened).toBe(40);
    expect(inFlight).toBe(0);
    expect(failed).toBe(0);
    expect(asked).toBe(0); // every customer asked for details answered, and their case moved on
    expect(autonomous + withHelp + approval + escalated).toBe(40);
    expect(autonomous).toBeGreaterThan(0);
  }, 180_000);

  it("refunds a reported duplicate charge once, audited as the offline rules model, and answers on the ticket", async () => {
    const charge = `ch_e2e${Date.now()}`;
    await stripe("/v1/charges", {
      method: "POST",
      body: new URLSearchParams({ id: charge, amount: "2900", currency: "eur" }),
    });
    const email = `dup-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const ticketId = await ticket(email, `I was charged twice, the duplicate is ${charge}.`);
    const view = await eventually(
      async () => {
        const v = await caseOf(email);
        return v.header?.status === "resolved" ? v : undefined;
      },
      30_000,
      "case resolved",
    );
    expect(view.header.outcome).toBe("refunded");
    // The resolution names the amount refunded: the workflow's business result, measured from the trail.
    expect(view.timeline.find((e: any) => e.action === "case.resolved").detail.result).toMatchObject({
      refundedMinor: 2900,
      currency: "eur",
    });
    expect(view.timeline.find((e: any) => e.stepId === "triage" && e.action === "step.completed").actor).toEqual({
      kind: "model",
      id: "crossflow.offline:crossflow-offline-rules (offline rules, not an LLM) prompt refund-dispute-2",
    });
    const refunds = (
      (await (await stripe("/v1/refunds")).json()) as { data: { charge: string; amount: number }[] }
    ).data.filter((r) => r.charge === charge);
    expect(refunds.map((r) => r.amount)).toEqual([2900]);
    const comments = (await (
      await fetch(`${stack().simulators.url}/zendesk/api/v2/tickets/${ticketId}/comments.json`, {
        headers: { authorization: `Bearer ${SIMULATOR_KEYS.zendesk}` },
      })
    ).json()) as { comments: { body: string; public: boolean }[] };
    expect(comments.comments).toMatchObject([
      { public: true, body: expect.stringContaining("We have refunded the charge") },
    ]);
  });

  it("holds a refund over 50 EUR for a person's approval, refunds once approved, and exports the approval as a labelled case", async () => {
    const charge = `ch_e2ebig${Date.now()}`;
    await stripe("/v1/charges", {
      method: "POST",
      body: new URLSearchParams({ id: charge, amount: "8000", currency: "eur" }),
    });
    const email = `big-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await ticket(email, `Double charged on ${charge}, please refund.`);
    const view = await eventually(
      async () => {
        const v = await caseOf(email);
        return v.wait?.kind === "human" ? v : undefined;
      },
      30_000,
      "approval requested",
    );
    expect(view.wait.human).toMatchObject({
      kind: "approval",
      queue: "refunds",
      packet: { proposedAction: `refund {"charge":"${charge}","amount":8000,"currency":"eur"}` },
    });
    const refundsOf = async () =>
      ((await (await stripe("/v1/refunds")).json()) as { data: { charge: string; amount: number }[] }).data.filter(
        (r) => r.charge === charge,
      );
    expect(await refundsOf()).toEqual([]);

    const decided = await fetch(
      `${stack().worker.url}/api/cases/refund-dispute/${encodeURIComponent(`customer:${email}`)}/decisions`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${token()}`, "content-type": "application/json" },
        body: JSON.stringify({
          step: view.wait.stepId,
          decision: "approve",
          actor: { id: "ops-ana", roles: ["operator"] },
          note: "duplicate confirmed on the statement",
        }),
      },
    );
    expect(decided.status).toBe(202);
    await eventually(
      async () => ((await caseOf(email)).header.status === "resolved" ? true : undefined),
      30_000,
      "resolved after approval",
    );
    expect((await refundsOf()).map((r) => r.amount)).toEqual([8000]);

    // The person's decision becomes a labelled golden case for `npm run eval`.
    const labelled = await eventually(
      async () => {
        const all = await exportLabels({
          workflow: "refund-dispute",
          apiUrl: stack().worker.url,
          token: token(),
          databaseUrl: stack().libsql.url,
          authToken: stack().libsql.authToken,
        });
        return all.find((c) => c.name.includes(email));
      },
      30_000,
      "labelled case exported",
    );
    expect(labelled).toMatchObject({
      event: {
        source: "zendesk",
        type: "ticket.created",
        payload: { detail: { description: `Double charged on ${charge}, please refund.` } },
      },
      seed: { stripeCharges: [{ id: charge, amount: 8000, currency: "eur" }] },
      expect: { decision: "refund", refund: true },
    });
  });

  it("marks in the metrics database the parked cases that wait on a person (what the inbox reads): an approval, not a question to the customer", async () => {
    const charge = `ch_e2emark${Date.now()}`;
    await stripe("/v1/charges", {
      method: "POST",
      body: new URLSearchParams({ id: charge, amount: "9000", currency: "eur" }),
    });
    const approval = `mark-approval-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const question = `mark-question-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await ticket(approval, `Double charged on ${charge}, please refund.`);
    await ticket(question, "I was charged twice last week, please fix it.");
    const db = createClient({ url: stack().libsql.url, authToken: stack().libsql.authToken });
    const row = async (email: string) =>
      (
        await db.execute({
          sql: "SELECT status, awaiting_person FROM cases WHERE case_id = ?",
          args: [`refund-dispute/customer:${email}`],
        })
      ).rows[0];
    const marked = (email: string, status: string, awaiting: number) =>
      eventually(
        async () =>
          ((r) => (r?.status === status && Number(r.awaiting_person) === awaiting ? true : undefined))(
            await row(email),
          ),
        30_000,
        `${email} ${status}, awaiting_person ${awaiting}`,
      );
    try {
      await marked(approval, "waiting", 1);
      await marked(question, "waiting", 0);
      const { wait } = await caseOf(approval);
      const decided = await fetch(
        `${stack().worker.url}/api/cases/refund-dispute/${encodeURIComponent(`customer:${approval}`)}/decisions`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${token()}`, "content-type": "application/json" },
          body: JSON.stringify({
            step: wait.stepId,
            decision: "approve",
            actor: { id: "ops-ana", roles: ["operator"] },
          }),
        },
      );
      expect(decided.status).toBe(202);
      await marked(approval, "resolved", 0);
    } finally {
      db.close();
    }
  });

  it("posts a large refund's approval to Slack; a stranger's click there is refused, a declared approver's click refunds it", async () => {
    const charge = `ch_e2eslack${Date.now()}`;
    await stripe("/v1/charges", {
      method: "POST",
      body: new URLSearchParams({ id: charge, amount: "7000", currency: "eur" }),
    });
    const email = `slack-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await ticket(email, `You charged me twice on ${charge}.`);
    const caseKey = `customer:${email}`;
    const view = await eventually(
      async () => ((v) => (v.wait?.kind === "human" ? v : undefined))(await caseOf(email)),
      30_000,
      "approval requested",
    );
    const { messages } = (await (await fetch(`${stack().simulators.url}/slack/_sim/messages`)).json()) as {
      messages: { text: string; blocks: unknown[] }[];
    };
    expect(
      messages.filter((m) => JSON.stringify(m.blocks).includes(JSON.stringify(caseKey).slice(1, -1))),
    ).toHaveLength(1);
    // The Slack simulator delivers each click as Slack does: a signed block_actions interaction to /hooks/slack.
    const click = async (user: string) =>
      (
        (await (
          await fetch(`${stack().simulators.url}/slack/_sim/click`, {
            method: "POST",
            body: JSON.stringify({ user, action: "approve", caseKey }),
          })
        ).json()) as { worker: { status: number; body: any } }
      ).worker;
    expect(await click("U0NOTLISTED")).toMatchObject({ status: 403, body: { error: { code: "not_authorized" } } });
    expect(await click("U0CFOPSANA")).toMatchObject({
      status: 200,
      body: { accepted: true, decision: "approve", step: view.wait.stepId, actor: "ops-ana" },
    });
    const done = await eventually(
      async () => ((v) => (v.header.status === "resolved" ? v : undefined))(await caseOf(email)),
      30_000,
      "resolved after the Slack approval",
    );
    expect(done.header.outcome).toBe("refunded");
    expect(done.timeline.filter((e: any) => e.action === "human.decision_refused").map((e: any) => e.actor.id)).toEqual(
      ["slack:U0NOTLISTED"],
    );
    const refunds = (
      (await (await stripe("/v1/refunds")).json()) as { data: { charge: string; amount: number }[] }
    ).data.filter((r) => r.charge === charge);
    expect(refunds.map((r) => r.amount)).toEqual([7000]);
  });
});
