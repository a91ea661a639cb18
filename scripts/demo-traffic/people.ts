/**
 * What the demo's customers and operators do once a case is open: a customer's email reply (signed as Resend's inbound
 * webhook), a customer's SMS through the Twilio simulator, an approver's click in the Slack simulator (or, for a
 * version that asks in the dashboard only, their decision through the case API).
 */
import { deliver, sign } from "../senders.ts";
import type { DemoCase, DemoTarget } from "./types.ts";

/** The customer replies by email, as Resend reports an inbound email to the worker (signed with its webhook secret). */
export async function email(target: DemoTarget, c: DemoCase, text: string, attachments: unknown[] = []): Promise<void> {
  const reply = {
    type: "email.received",
    created_at: new Date().toISOString(),
    data: { from: c.email, subject: "Re: your request", text, attachments },
  };
  // Resend retries an inbound webhook the worker refused with a 5xx or 429, as every real sender does.
  const res = await deliver(target.workerUrl, await sign.standardWebhooks("resend", target.resendSecret, reply));
  if (res.status !== 202) throw new Error(`reply from ${c.email}: ${res.status} ${await res.text()}`);
}

/** The customer texts back through the Twilio simulator, which signs Twilio's inbound webhook to the worker. */
export async function textBack(
  target: DemoTarget,
  c: DemoCase,
  body: string,
  media: { url: string; contentType: string }[] = [],
): Promise<void> {
  const res = await fetch(`${target.simulatorsUrl}/twilio/_sim/inbound`, {
    method: "POST",
    body: JSON.stringify({ from: c.phone, body, media }),
  });
  const sent = (await res.json().catch(() => null)) as { worker?: { status: number } } | null;
  if (sent?.worker?.status !== 202) throw new Error(`SMS from ${c.phone}: ${res.status} ${JSON.stringify(sent)}`);
}

/**
 * A declared approver (SLACK_APPROVERS in .dev.vars) clicks Approve on the case's Slack message. A workflow version that
 * asks in the dashboard only (refund-dispute v1, which a rollout policy may give new cases) posted none: the same
 * operator then approves through the case API, as the dashboard would.
 */
export async function approveInSlack(target: DemoTarget, c: DemoCase): Promise<void> {
  const res = await fetch(`${target.simulatorsUrl}/slack/_sim/click`, {
    method: "POST",
    body: JSON.stringify({ user: SLACK_DEMO_APPROVER, action: "approve", caseKey: c.caseKey }),
  });
  const clicked = (await res.json().catch(() => null)) as { worker?: { status: number } } | null;
  if (clicked?.worker?.status === 200) return;
  if (res.status === 404) return approveInDashboard(target, c);
  throw new Error(`Slack approval for ${c.caseKey}: ${res.status} ${JSON.stringify(clicked)}`);
}

async function approveInDashboard(target: DemoTarget, c: DemoCase): Promise<void> {
  const path = `${target.workerUrl}/api/cases/${c.workflow}/${encodeURIComponent(c.caseKey)}`;
  const headers = { authorization: `Bearer ${target.apiToken}`, "content-type": "application/json" };
  const view = (await (await fetch(path, { headers })).json()) as { wait?: { kind: string; stepId: string } };
  if (view.wait?.kind !== "human") throw new Error(`approval for ${c.caseKey}: the case waits on no person`);
  const res = await fetch(`${path}/decisions`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      step: view.wait.stepId,
      decision: "approve",
      actor: { id: "ops-ana", roles: ["operator"] },
      note: "approved in the dashboard",
    }),
  });
  if (res.status !== 202) throw new Error(`approval for ${c.caseKey}: ${res.status} ${await res.text()}`);
}

/** The operator the local .dev.vars lets approve from Slack. */
const SLACK_DEMO_APPROVER = "U0CFOPSANA";
