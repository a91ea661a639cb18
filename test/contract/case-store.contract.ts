/**
 * The case store's contract, run against every adapter: the Durable Object inside workerd
 * (test/workers/case-store-contract.test.ts) and Deno KV under `deno test` (test/deno/). Each case drives the
 * adapter only through the case runtime's entry points and the harness below, with the local Stripe simulator
 * in process as the system effects land in.
 */

import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { stripeSimulator } from "../../simulators/stripe.ts";
import type { CaseView } from "../../workers/case/runtime.ts";
import { stripeClient } from "../../workers/connectors/stripe/client.ts";
import {
  type AuditEntry,
  type ChainVerdict,
  defineWorkflow,
  type EventEnvelope,
  type WorkflowDefinition,
} from "../../workers/engine/index.ts";
import { expectEqual, expectTrue } from "./expect.ts";

export interface CaseHarness {
  /** Replaces the deployed workflows (in place: what a case object or host sees next time it looks). */
  deploy(workflows: readonly WorkflowDefinition[]): Promise<void>;
  ingest(event: EventEnvelope): Promise<{ status: string }>;
  view(caseId: string): Promise<CaseView | null>;
  audit(caseId: string): Promise<{ entries: AuditEntry[]; verification: ChainVerdict } | null>;
  /** Runs the case's alarm if one is set (true) — timers are driven here, never by waiting. */
  fire(caseId: string): Promise<boolean>;
  /** Moves the case clock forward. */
  advance(ms: number): void;
  now(): number;
  /** Overwrites stored audit entry `seq` with `entry`, behind the runtime's back. */
  tamperAudit(caseId: string, seq: number, entry: AuditEntry): Promise<void>;
}

/** The Stripe the contract's effects land in: in process, reached through the connector's `fetch` seam. */
export const contractStripe = stripeSimulator(SIMULATOR_KEYS.stripe);
const stripe = stripeClient({
  baseUrl: "http://stripe.contract",
  apiKey: SIMULATOR_KEYS.stripe,
  fetch: async (input, init) => contractStripe.app.fetch(new Request(input, init)),
});

/** How the next `contract-refund` attempt fails after Stripe took the refund. */
export const contractCrash = { mode: null as null | "throw" | "unrecordable" };

const refund = defineWorkflow<{ charge: string }>(
  { id: "contract-refund", version: 1, minutesPerCase: 1, triggers: [] },
  async ({ input, step }) => {
    const result = await step.run(
      "refund",
      async (ctx) => {
        const r = await stripe.refund({ charge: input.charge, amount: 1200 }, ctx);
        const mode = contractCrash.mode;
        contractCrash.mode = null;
        if (mode === "throw") throw new Error("died after the call");
        if (mode === "unrecordable") return { ...r, unstorable: 1n } as unknown as typeof r;
        return r;
      },
      { retries: 2, initialDelay: 0 },
    );
    return step.resolve("refunded", { refund: result.id });
  },
);

const waits = defineWorkflow({ id: "contract-wait", version: 1, minutesPerCase: 1, triggers: [] }, async ({ step }) => {
  const paid = await step.waitFor("paid", { source: "stripe", type: "invoice.paid" }, { timeout: "1h" });
  return step.resolve(paid ? "paid" : "timed-out");
});

const pinnedV1 = defineWorkflow(
  { id: "contract-pinned", version: 1, minutesPerCase: 1, triggers: [] },
  async ({ step }) => {
    await step.waitFor("ready", { type: "service.ready" });
    return step.resolve("v1-path");
  },
);
const pinnedV2 = defineWorkflow(
  { id: "contract-pinned", version: 2, minutesPerCase: 1, triggers: [] },
  async ({ step }) => {
    await step.run("new-check", () => "ok");
    await step.waitFor("ready", { type: "service.ready" });
    return step.resolve("v2-path");
  },
);

export const CONTRACT_WORKFLOWS: readonly WorkflowDefinition[] = [refund, waits, pinnedV1];

let serial = 0;
function event(
  h: CaseHarness,
  workflow: WorkflowDefinition,
  caseKey: string,
  fields: Partial<EventEnvelope> & { payload?: unknown } = {},
): EventEnvelope {
  const { payload, ...rest } = fields;
  return {
    id: `evt_${++serial}_${Math.random().toString(36).slice(2)}`,
    source: "stripe",
    type: "case.opened",
    receivedAt: h.now(),
    caseKey,
    workflow: { id: workflow.id, version: workflow.version },
    opens: true,
    payloadJson: JSON.stringify(payload ?? {}),
    ...rest,
  };
}
const newKey = () => `contract:${++serial}:${Math.random().toString(36).slice(2, 10)}`;
const idOf = (workflow: WorkflowDefinition, caseKey: string) => `${workflow.id}/${caseKey}`;

/** Fires the case's alarm until `done` holds (a burst may leave work for the next alarm). */
async function settle(h: CaseHarness, caseId: string, done: (v: CaseView) => boolean, what: string): Promise<CaseView> {
  for (let i = 0; i < 20; i++) {
    const view = await h.view(caseId);
    if (view && done(view)) return view;
    await h.fire(caseId);
  }
  const last = await h.view(caseId);
  throw new Error(`${what}: case ended as ${JSON.stringify(last?.header.status)} ${JSON.stringify(last?.wait)}`);
}
const ended = (v: CaseView) => v.header.status === "resolved" || v.header.status === "failed";
const refundsOf = (charge: string) => contractStripe.refunds.filter((r) => r.charge === charge).length;
const requestsWith = (key: string) => contractStripe.log.filter((r) => r.idempotencyKey === key).map((r) => r.replayed);

export const CONTRACT: { name: string; run(h: CaseHarness): Promise<void> }[] = [
  {
    name: "stores an event once per (source, id): a redelivery is a duplicate and changes nothing",
    async run(h) {
      const key = newKey();
      const opener = event(h, waits, key);
      expectEqual(await h.ingest(opener), { status: "accepted" }, "first delivery");
      expectEqual(await h.ingest({ ...opener }), { status: "duplicate" }, "redelivery");
      const view = await h.view(idOf(waits, key));
      expectEqual(view?.events.length, 1, "stored events");
    },
  },
  {
    name: "hands an event that arrived before the wait began to that wait",
    async run(h) {
      const key = newKey();
      await h.ingest(event(h, waits, key));
      await h.ingest(event(h, waits, key, { type: "invoice.paid", opens: false, payload: { amount: 900 } }));
      const view = await settle(h, idOf(waits, key), ended, "early event");
      expectEqual(view.header.outcome, "paid", "outcome");
      expectEqual(view.steps[0]?.eventSeq, 2, "the early event was consumed");
    },
  },
  {
    name: "parks on a wait with its deadline and returns null once the alarm fires after it",
    async run(h) {
      const key = newKey();
      const caseId = idOf(waits, key);
      await h.ingest(event(h, waits, key));
      const parked = await settle(h, caseId, (v) => v.header.status === "waiting", "parked");
      expectEqual(parked.wait?.deadline, (parked.wait?.startedAt ?? 0) + 3_600_000, "deadline");
      h.advance(3_600_000);
      const view = await settle(h, caseId, ended, "timed out");
      expectEqual(view.header.outcome, "timed-out", "outcome");
    },
  },
  {
    name: "replays without repeating an effect when the step throws after its call: one refund, one key",
    async run(h) {
      const key = newKey();
      const charge = `ch_${key}`;
      contractCrash.mode = "throw";
      await h.ingest(event(h, refund, key, { payload: { charge } }));
      const view = await settle(h, idOf(refund, key), ended, "refund after a throw");
      expectEqual(view.header.outcome, "refunded", "outcome");
      const idempotencyKey = view.attempts[0]!.idempotencyKey;
      expectEqual(
        view.attempts.map((a) => [a.attempt, a.idempotencyKey, a.outcome]),
        [
          [1, idempotencyKey, "failed"],
          [2, idempotencyKey, "succeeded"],
        ],
        "attempts",
      );
      expectEqual(
        requestsWith(idempotencyKey),
        [false, true],
        "Stripe saw the key twice, the second answered from its record",
      );
      expectEqual(refundsOf(charge), 1, "refunds");
    },
  },
  {
    name: "resumes an attempt cut off between the call and its record under the same key: one refund",
    async run(h) {
      const key = newKey();
      const charge = `ch_${key}`;
      contractCrash.mode = "unrecordable";
      await h.ingest(event(h, refund, key, { payload: { charge } }));
      const view = await settle(h, idOf(refund, key), ended, "refund after a failed record");
      expectEqual(view.header.outcome, "refunded", "outcome");
      expectEqual(
        view.attempts.map((a) => [a.attempt, a.outcome]),
        [[1, "succeeded"]],
        "one attempt, resumed",
      );
      expectEqual(view.timeline.filter((e) => e.action === "step.attempt_resumed").length, 1, "resumption audited");
      expectEqual(
        requestsWith(view.attempts[0]!.idempotencyKey),
        [false, true],
        "Stripe answered the repeat from its record",
      );
      expectEqual(refundsOf(charge), 1, "refunds");
    },
  },
  {
    name: "opens the key's next case for an opening event once the case ended, and refuses join-only events there",
    async run(h) {
      const key = newKey();
      const first = idOf(waits, key);
      await h.ingest(event(h, waits, key));
      await h.ingest(event(h, waits, key, { type: "invoice.paid", opens: false }));
      await settle(h, first, ended, "first case");
      expectEqual(
        await h.ingest(event(h, waits, key, { type: "invoice.paid", opens: false })),
        { status: "no_case", ended: { caseId: first, status: "resolved" } },
        "a join-only event after the end",
      );
      const reopening = event(h, waits, key);
      expectEqual(await h.ingest(reopening), { status: "forward", seq: 2 }, "an opening event names the next case");
      expectEqual(await h.ingest({ ...reopening, caseSeq: 2 }), { status: "accepted" }, "the next case opens with it");
      expectEqual(await h.ingest(event(h, waits, key)), { status: "forward", seq: 2 }, "later events are passed on");
      expectEqual(
        await h.ingest({ ...reopening }),
        { status: "forward", seq: 2 },
        "its redelivery goes where it was stored",
      );
      expectEqual(await h.ingest({ ...reopening, caseSeq: 2 }), { status: "duplicate" }, "and is a duplicate there");
      const next = await h.view(`${waits.id}@2/${key}`);
      expectEqual(
        [next?.header.caseId, next?.header.seq, next?.header.status, next?.events.length],
        [`${waits.id}@2/${key}`, 2, "open", 1],
        "the next case",
      );
      const old = await h.view(first);
      expectEqual(
        [old?.header.successor, old?.events.length, old?.timeline.at(-1)?.action],
        [2, 2, "case.succeeded"],
        "the ended case names its successor and keeps its own events",
      );
    },
  },
  {
    name: "verifies its audit chain, and fails verification at an entry changed in storage",
    async run(h) {
      const key = newKey();
      const caseId = idOf(waits, key);
      await h.ingest(event(h, waits, key));
      await settle(h, caseId, (v) => v.header.status === "waiting", "parked");
      const before = await h.audit(caseId);
      expectTrue(
        before?.verification.valid === true && before.entries.length >= 3,
        `chain verifies: ${JSON.stringify(before?.verification)}`,
      );
      const target = before!.entries[1]!;
      await h.tamperAudit(caseId, target.seq, { ...target, detail: { ...target.detail, rewritten: true } });
      const after = await h.audit(caseId);
      expectEqual(
        after?.verification,
        {
          valid: false,
          entries: before!.entries.length,
          brokenAt: target.seq,
          reason: `entry ${target.seq} does not match its hash`,
        },
        "verification after tampering",
      );
    },
  },
  {
    name: "finishes a case on the version it opened with after a new version is deployed, while new cases take the new one",
    async run(h) {
      const oldKey = newKey();
      await h.ingest(event(h, pinnedV1, oldKey));
      await settle(h, idOf(pinnedV1, oldKey), (v) => v.header.status === "waiting", "v1 parked");
      await h.deploy([...CONTRACT_WORKFLOWS.filter((w) => w !== pinnedV1), pinnedV1, pinnedV2]);
      try {
        await h.ingest(event(h, pinnedV1, oldKey, { type: "service.ready", opens: false }));
        const old = await settle(h, idOf(pinnedV1, oldKey), ended, "v1 case");
        expectEqual(
          [old.header.workflowVersion, old.header.outcome, old.steps.map((s) => s.id)],
          [1, "v1-path", ["ready", "resolve:v1-path"]],
          "old case",
        );
        const newKeyV2 = newKey();
        await h.ingest(event(h, pinnedV2, newKeyV2));
        await h.ingest(event(h, pinnedV2, newKeyV2, { type: "service.ready", opens: false }));
        const fresh = await settle(h, idOf(pinnedV2, newKeyV2), ended, "v2 case");
        expectEqual([fresh.header.workflowVersion, fresh.header.outcome], [2, "v2-path"], "new case");
      } finally {
        await h.deploy(CONTRACT_WORKFLOWS);
      }
    },
  },
];
