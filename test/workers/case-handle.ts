/**
 * A handle on one case of a test workflow inside workerd: ingest events, send decisions, read the case, and drive
 * its alarm; plus the simulators' state. Shared by the tests of conversations, approvals, effects and agents.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { inject } from "vitest";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { caseId, type EventEnvelope, type WorkflowDefinition } from "../../workers/engine/index.ts";
import type { CaseView, DecisionInput } from "../../workers/platform/cloudflare/case-object.ts";
import { caseDirectory } from "../../workers/platform/cloudflare/platform.ts";
import { testClock } from "./clock.ts";

let serial = 0;

/** A fresh customer's case of `workflow` (its key is `customer:<email>`). */
export function caseHandle(workflow: WorkflowDefinition) {
  const customer = `customer-${++serial}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const caseKey = `customer:${customer}`;
  const stub = env.CASES.getByName(caseId(workflow.id, caseKey));
  const envelope = (type: string, payload: unknown, source: string, opens: boolean): EventEnvelope => ({
    id: crypto.randomUUID(),
    source,
    type,
    receivedAt: testClock.now(),
    caseKey,
    workflow: { id: workflow.id, version: workflow.version },
    opens,
    payloadJson: JSON.stringify(payload),
  });
  const view = () => caseDirectory(env).view(caseId(workflow.id, caseKey)) as Promise<CaseView>;
  return {
    customer,
    caseKey,
    charge: `ch_${serial}${Date.now()}`,
    open: (payload: unknown) => stub.ingest(envelope("case.requested", payload, "provisioning", true)),
    send: (type: string, payload: unknown, source: string) => stub.ingest(envelope(type, payload, source, false)),
    decide: (decision: Omit<DecisionInput, "id">) => stub.decide({ ...decision, id: crypto.randomUUID() }),
    view,
    alarm: () => runInDurableObject(stub, (_instance, state) => state.storage.getAlarm()),
    /**
     * Fires the object's alarms until `done` holds. An alarm due now may already be running on its own
     * (miniflare fires it), so the stored state is polled rather than assuming this call ran it.
     */
    async settle(done: (view: CaseView) => boolean, label: string): Promise<CaseView> {
      let last: CaseView | null = null;
      for (let i = 0; i < 200; i++) {
        await runDurableObjectAlarm(stub).catch(() => false);
        last = await view();
        if (last && done(last)) return last;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(
        `case did not reach "${label}"; last: ${JSON.stringify(last?.header)} ${JSON.stringify(last?.wait)}`,
      );
    },
  };
}

/** Reads a simulator's state: its `/_sim/` log, or its API with the simulator's key. */
export async function sim<T>(path: string): Promise<T> {
  const key = path.startsWith("/stripe/") ? SIMULATOR_KEYS.stripe : SIMULATOR_KEYS.resend;
  return (
    await fetch(`${inject("simulatorsUrl")}${path}`, { headers: { authorization: `Bearer ${key}` } })
  ).json() as Promise<T>;
}

export const refundsFor = async (charge: string) =>
  (await sim<{ data: { charge: string; amount: number }[] }>("/stripe/v1/refunds")).data.filter(
    (r) => r.charge === charge,
  );
export const refundRequests = async (key: string) =>
  (
    await sim<{ requests: { path: string; idempotencyKey: string | null; replayed: boolean }[] }>(
      "/stripe/_sim/requests",
    )
  ).requests.filter((r) => r.path.endsWith("/v1/refunds") && r.idempotencyKey === key);
