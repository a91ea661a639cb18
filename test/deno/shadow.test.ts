/**
 * Shadow runs on Deno: a case's journal read from the Deno case host (Deno KV) replays in the sandbox under Deno's
 * runtime as it does in workerd: production's function steps answer from the record, the candidate's rule decides.
 */
import { caseId, defineWorkflow } from "../../workers/engine/index.ts";
import { DenoCaseHost } from "../../workers/platform/deno/case-host.ts";
import { compareCase } from "../../workers/shadow/compare-case.ts";
import { runInSandbox } from "../../workers/shadow/sandbox.ts";
import { expectEqual } from "../contract/expect.ts";

let effects = 0;
const triage = (version: number, limit: number) =>
  defineWorkflow<{ amount: number }>(
    { id: "shadow-deno", version, minutesPerCase: 5, triggers: [] },
    async ({ input, step }) => {
      // Production's effect runs once, in production; the sandbox answers it from the journal.
      const ticket = await step.run("open-ticket", () => `T-${++effects}`);
      const { decision } = await step.decide("policy", () => ({
        decision: input.amount <= limit ? "refund" : "deny",
        rationale: `limit ${limit}`,
      }));
      return step.resolve(decision === "refund" ? "refunded" : "denied", { ticket });
    },
  );

Deno.test("shadow run on Deno: the journal from Deno KV replays on a candidate, nothing of production runs again", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let clock = 1_700_000_000_000;
    const host = new DenoCaseHost(kv, {
      workflows: [triage(1, 100)],
      now: () => clock,
      metrics: () => null,
      listen: false,
    });
    const id = caseId("shadow-deno", "customer:ana");
    await host.ingest(id, {
      id: "evt-1",
      source: "test",
      type: "ticket",
      receivedAt: clock,
      caseKey: "customer:ana",
      workflow: { id: "shadow-deno", version: 1 },
      opens: true,
      payloadJson: JSON.stringify({ amount: 80 }),
    });
    for (let i = 0; i < 5 && (await host.alarmOf(id)) !== null; i++) {
      clock += 1_000;
      await host.runAlarm(id);
    }
    const journal = await host.journal(id);
    expectEqual(journal?.header.outcome, "refunded", "production refunded");
    expectEqual(
      journal?.events.map((e) => e.payload),
      [{ amount: 80 }],
      "the journal carries the event's payload",
    );

    const horizon = clock + 60_000;
    const same = compareCase(
      journal!,
      await runInSandbox(journal!, { candidate: triage(2, 100), config: {}, horizon }),
    );
    expectEqual([same.verdict, same.steps], ["same", []], "the same rule: the same case");
    const stricter = compareCase(
      journal!,
      await runInSandbox(journal!, { candidate: triage(2, 50), config: {}, horizon }),
    );
    expectEqual(stricter.verdict, "different decision", "a stricter limit denies");
    expectEqual(
      stricter.steps.map((s) => [s.id, s.production?.result, s.candidate?.result]),
      [
        ["policy", { decision: "refund", rationale: "limit 100" }, { decision: "deny", rationale: "limit 50" }],
        [
          "resolve",
          { outcome: "refunded", detail: { ticket: "T-1" } },
          { outcome: "denied", detail: { ticket: "T-1" } },
        ],
      ],
      "the rule's decisions side by side",
    );
    expectEqual(stricter.candidate, { status: "resolved", outcome: "denied" }, "the candidate's end");
    expectEqual(effects, 1, "production's step ran once, in production");
  } finally {
    kv.close();
  }
});
