/**
 * Demo traffic for the reference workflows, in a realistic mix, through the same signed webhooks and simulators
 * production would see:
 * - refund-dispute: customers with real charges in the Stripe simulator write refund tickets (opened in the Zendesk
 *   simulator, which reports each to the worker with a signed webhook): duplicate
 *   charges refunded autonomously, large ones held for approval, fraud and unclear requests handed to people,
 *   tickets without a charge id answered by email with one; some large ones approved by an operator's click in Slack
 *   (the Slack simulator's signed interaction), the rest left for the dashboard's inbox;
 * - customer-onboarding: applications from the signup form: most go through; some send a document in the wrong
 *   format (and resend it, by email, or by MMS from applicants who chose SMS), some screen ambiguous (the agent
 *   clears them) or match a watchlist (compliance), some cards are declined (a new method is sent), some come from
 *   a market not served.
 * About one delivery in ten is sent twice, as a sender retrying would. Used by `npm run demo` and `npm start`.
 * The scenarios are in `demo-traffic/scenarios.ts`; this module picks one, opens its case, reads the case's state
 * back through the case API and plays the customer's answer or the operator's approval.
 */

import { rand, SCENARIOS } from "./demo-traffic/scenarios.ts";
import type { DemoCase, DemoTarget, DemoWorkflow, Scenario } from "./demo-traffic/types.ts";

export { SCENARIOS } from "./demo-traffic/scenarios.ts";
export type { DemoCase, DemoTarget, DemoWorkflow } from "./demo-traffic/types.ts";

function pick(workflows: readonly DemoWorkflow[], kind?: string): Scenario {
  if (kind !== undefined) {
    const named = SCENARIOS.find((s) => s.kind === kind);
    if (!named) throw new Error(`no demo scenario "${kind}": one of ${SCENARIOS.map((s) => s.kind).join(", ")}`);
    return named;
  }
  const workflow = workflows[rand(workflows.length)]!;
  const candidates = SCENARIOS.filter((s) => s.workflow === workflow);
  let r = rand(candidates.reduce((n, s) => n + s.weight, 0));
  for (const s of candidates) {
    r -= s.weight;
    if (r < 0) return s;
  }
  return candidates[0]!;
}

/** Opens one demo case of one of `workflows`, of the scenario named `kind` if given (else one drawn by weight). */
export async function sendDemoCase(
  target: DemoTarget,
  run: string,
  n: number,
  workflows: readonly DemoWorkflow[] = ["refund-dispute", "customer-onboarding"],
  kind?: string,
): Promise<DemoCase> {
  const scenario = pick(workflows, kind);
  const email = `demo-${run}-${n}@example.com`;
  // A German mobile number per case: the run's clock and the case's number, so runs do not share customers.
  const phone = scenario.sms ? `+491${String(parseInt(run, 36)).slice(-6)}${String(n).padStart(5, "0")}` : undefined;
  const c: DemoCase = {
    workflow: scenario.workflow,
    kind: scenario.kind,
    caseKey: `customer:${phone ?? email}`,
    email,
    ...(phone ? { phone } : {}),
    ...(scenario.workflow === "refund-dispute" ? { charge: `ch_demo${run}${n}` } : {}),
  };
  await scenario.open(target, c, n);
  return c;
}

export type DemoState = "resolved" | "awaiting approval" | "escalated" | "asked customer" | "failed" | "in flight";

export async function caseState(
  target: DemoTarget,
  c: DemoCase,
): Promise<{ state: DemoState; humanTouch: boolean; askedBy: string | null }> {
  const res = await fetch(`${target.workerUrl}/api/cases/${c.workflow}/${encodeURIComponent(c.caseKey)}`, {
    headers: { authorization: `Bearer ${target.apiToken}` },
  });
  if (res.status === 404) return { state: "in flight", humanTouch: false, askedBy: null };
  const view = (await res.json()) as {
    header: { status: string };
    wait: { kind: string; stepId: string } | null;
    decisions: unknown[];
  };
  const { status } = view.header;
  const state: DemoState =
    status === "resolved"
      ? "resolved"
      : status === "failed"
        ? "failed"
        : status === "escalated"
          ? "escalated"
          : status === "waiting"
            ? view.wait?.kind === "human"
              ? "awaiting approval"
              : view.wait?.kind === "event" && view.wait.stepId.includes(":reply")
                ? "asked customer"
                : "in flight"
            : "in flight";
  return {
    state,
    humanTouch: view.decisions.length > 0,
    askedBy: state === "asked customer" ? view.wait!.stepId : null,
  };
}

const scenarioOf = (c: DemoCase) => SCENARIOS.find((s) => s.workflow === c.workflow && s.kind === c.kind);

/** The customer's answer to what their case asked them; false when the scenario has none. */
export async function answer(target: DemoTarget, c: DemoCase, askedBy: string): Promise<boolean> {
  const scenario = scenarioOf(c);
  if (!scenario?.answer) return false;
  await scenario.answer(target, c, askedBy);
  return true;
}

/** A person's approval from outside the dashboard, for the scenarios that have one; false for the others. */
export async function approve(target: DemoTarget, c: DemoCase): Promise<boolean> {
  const scenario = scenarioOf(c);
  if (!scenario?.approve) return false;
  await scenario.approve(target, c);
  return true;
}
