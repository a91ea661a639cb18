/**
 * The case object's engine shell inside workerd, with workflows of the test's own (the object's workflow list
 * is its one seam): retries with backoff through the alarm, FatalError, and version pinning across a deploy.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  caseId,
  defineWorkflow,
  type EventEnvelope,
  FatalError,
  type WorkflowDefinition,
} from "../../workers/engine/index.ts";
import { CaseObject, type CaseView } from "../../workers/platform/cloudflare/case-object.ts";

const envelope = (workflow: WorkflowDefinition, caseKey: string): EventEnvelope => ({
  id: crypto.randomUUID(),
  source: "provisioning",
  type: "service.requested",
  receivedAt: Date.now(),
  caseKey,
  workflow: { id: workflow.id, version: workflow.version },
  opens: true,
  payloadJson: JSON.stringify({ event: "service.requested" }),
});

interface Driver {
  cut: CaseObject;
  state: DurableObjectState;
  /** Fires the alarm on this object, having taken it from the stock object (which only knows WORKFLOWS). */
  fire(): Promise<void>;
}

/** Runs `drive` against the real stored case through an object that knows `workflows`. */
function withWorkflows<T>(key: string, workflows: WorkflowDefinition[], drive: (d: Driver) => Promise<T>): Promise<T> {
  class Deployed extends CaseObject {
    protected override readonly workflows = workflows;
  }
  return runInDurableObject(env.CASES.getByName(key), async (_instance, state) => {
    const cut = new Deployed(state, env);
    const fire = async () => {
      await state.storage.deleteAlarm();
      await cut.alarm();
    };
    const result = await drive({ cut, state, fire });
    await state.storage.deleteAlarm();
    return result;
  });
}

describe("retries through the alarm", () => {
  it("backs a failing step off, runs it again when the alarm fires, and resolves once it succeeds", async () => {
    let calls = 0;
    const flaky = defineWorkflow(
      { id: "activate-line", version: 1, minutesPerCase: 5, triggers: [] },
      async ({ step }) => {
        const line = await step.run(
          "activate",
          () => {
            calls++;
            if (calls < 3) throw new Error(`provisioning API 503 (call ${calls})`);
            return { line: "+4930123456" };
          },
          { retries: 3, initialDelay: 0 },
        ); // no backoff: workerd's clock stands still inside this test
        return step.resolve("activated", line);
      },
    );
    const key = caseId(flaky.id, "line:1");
    const result = await withWorkflows(key, [flaky], async ({ cut, state, fire }) => {
      await cut.ingest(envelope(flaky, "line:1"));
      await fire();
      const afterFirst = { view: (await cut.view()) as CaseView, alarm: await state.storage.getAlarm() };
      for (let i = 0; i < 5 && (await cut.view())?.header.status !== "resolved"; i++) await fire();
      const audit = (await cut.audit())!;
      return { afterFirst, final: (await cut.view()) as CaseView, audit };
    });
    expect(result.afterFirst.view.header.status).toBe("running");
    expect(result.afterFirst.view.steps).toEqual([]);
    expect(result.afterFirst.alarm).not.toBeNull();
    expect(calls).toBe(3);
    expect(result.final.header).toMatchObject({ status: "resolved", outcome: "activated" });
    expect(
      result.audit.entries.filter((e) => e.action === "step.attempt_failed").map((e) => e.detail?.failures),
    ).toEqual([1, 2]);
    expect(result.audit.verification.valid).toBe(true);
  });

  it("hands the case to a person on a FatalError without retrying; their retry runs the step again", async () => {
    let calls = 0;
    const strict = defineWorkflow(
      { id: "kyc-check", version: 1, minutesPerCase: 5, triggers: [] },
      async ({ step }) => {
        await step.run("validate-iban", () => {
          calls++;
          if (calls === 1) throw new FatalError("IBAN DE00 0000 is not valid");
          return "valid";
        });
        return step.resolve("checked");
      },
    );
    const result = await withWorkflows(caseId(strict.id, "kyc:1"), [strict], async ({ cut, fire }) => {
      await cut.ingest(envelope(strict, "kyc:1"));
      await fire();
      const escalated = (await cut.view()) as CaseView;
      const decision = await cut.decide({
        id: "d-1",
        stepId: "validate-iban",
        decision: "retry",
        actor: { id: "ops-1", roles: ["operator"] },
        note: "customer sent the corrected IBAN",
      });
      await fire();
      return { escalated, decision, final: (await cut.view()) as CaseView };
    });
    expect(result.escalated.header.status).toBe("escalated");
    expect(result.escalated.wait).toMatchObject({
      kind: "human",
      stepId: "validate-iban",
      human: {
        queue: "errors",
        allowed: ["retry", "resolve"],
        packet: { error: { name: "FatalError", message: "IBAN DE00 0000 is not valid", attempts: 1 } },
      },
    });
    expect(result.decision).toEqual({ status: "accepted" });
    expect(calls).toBe(2);
    expect(result.final.header).toMatchObject({ status: "resolved", outcome: "checked" });
    expect(result.final.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, "failed"],
      [2, "succeeded"],
    ]);
  });
});

describe("version pinning", () => {
  it("finishes a case on the version it opened with after a new version is deployed, while new cases take the new one", async () => {
    const wait = { source: "provisioning", type: "service.ready" };
    const v1 = defineWorkflow({ id: "onboard", version: 1, minutesPerCase: 5, triggers: [] }, async ({ step }) => {
      await step.waitFor("ready", wait);
      return step.resolve("v1-path");
    });
    const v2 = defineWorkflow({ id: "onboard", version: 2, minutesPerCase: 5, triggers: [] }, async ({ step }) => {
      await step.run("new-compliance-check", () => "ok");
      await step.waitFor("ready", wait);
      return step.resolve("v2-path");
    });
    const ready = (caseKey: string): EventEnvelope => ({
      ...envelope(v1, caseKey),
      id: crypto.randomUUID(),
      type: "service.ready",
      opens: false,
    });

    const old = await withWorkflows(caseId("onboard", "c-old"), [v1], async ({ cut, fire }) => {
      await cut.ingest(envelope(v1, "c-old"));
      await fire();
      return (await cut.view()) as CaseView;
    });
    expect(old.header).toMatchObject({ status: "waiting", workflowVersion: 1 });

    // "Deploy" v2: the object now knows both versions.
    const finished = await withWorkflows(caseId("onboard", "c-old"), [v1, v2], async ({ cut, fire }) => {
      await cut.ingest(ready("c-old"));
      await fire();
      return (await cut.view()) as CaseView;
    });
    expect(finished.header).toMatchObject({ status: "resolved", outcome: "v1-path", workflowVersion: 1 });
    expect(finished.steps.map((s) => s.id)).toEqual(["ready", "resolve:v1-path"]);

    const fresh = await withWorkflows(caseId("onboard", "c-new"), [v1, v2], async ({ cut, fire }) => {
      await cut.ingest(envelope(v2, "c-new"));
      await cut.ingest(ready("c-new"));
      await fire();
      return (await cut.view()) as CaseView;
    });
    expect(fresh.header).toMatchObject({ status: "resolved", outcome: "v2-path", workflowVersion: 2 });
  });
});
