import { describe, expect, it, vi } from "vitest";
import { advanceCase, defineWorkflow, type StepRecord, type WorkflowDefinition } from "./index.ts";

let clock = 1_000;
const now = () => (clock += 10);

function twoStep(effect: () => string) {
  return defineWorkflow<{ n: number }>({ id: "two-step", version: 1, minutesPerCase: 5, triggers: [] }, async ({ input, step }) => {
    const a = await step.run("first", () => effect());
    const b = await step.run("second", () => `${a}:${input.n}`);
    return step.resolve("done", { b });
  });
}

async function runToEnd(workflow: WorkflowDefinition, input: unknown) {
  const completed: StepRecord[] = [];
  for (let i = 0; i < 10; i++) {
    const next = await advanceCase({ workflow, caseKey: "k", input, completed, now });
    if (next.kind === "failed") return { completed, next };
    completed.push(next.record);
    if (next.kind === "resolved") return { completed, next };
  }
  throw new Error("did not end");
}

describe("advanceCase", () => {
  it("completes exactly one new step per call and resolves with the recorded outcome", async () => {
    const effect = vi.fn(() => "x");
    const workflow = twoStep(effect);
    const first = await advanceCase({ workflow, caseKey: "k", input: { n: 1 }, completed: [], now });
    expect(first).toMatchObject({ kind: "step", record: { id: "first", output: "x" } });

    const { completed, next } = await runToEnd(workflow, { n: 7 });
    expect(completed.map((s) => s.id)).toEqual(["first", "second", "resolve:done"]);
    expect(next).toMatchObject({ kind: "resolved", outcome: { outcome: "done", detail: { b: "x:7" } } });
  });

  it("replays stored step results instead of repeating their effects", async () => {
    const effect = vi.fn(() => "from-effect");
    const workflow = twoStep(effect);
    const stored: StepRecord[] = [{ id: "first", kind: "run", output: "stored", startedAt: 1, finishedAt: 2 }];
    const next = await advanceCase({ workflow, caseKey: "k", input: { n: 2 }, completed: stored, now });
    expect(effect).not.toHaveBeenCalled();
    expect(next).toMatchObject({ kind: "step", record: { id: "second", output: "stored:2" } });
  });

  it("reports a changed step order on replay as a non-determinism failure", async () => {
    const workflow = twoStep(() => "x");
    const stored: StepRecord[] = [{ id: "renamed", kind: "run", output: "x", startedAt: 1, finishedAt: 2 }];
    const next = await advanceCase({ workflow, caseKey: "k", input: { n: 1 }, completed: stored, now });
    expect(next).toMatchObject({ kind: "failed", error: { name: "NonDeterminismError" } });
    if (next.kind === "failed") expect(next.error.message).toContain('"renamed"');
  });

  it("fails a case whose step throws, naming the error", async () => {
    const workflow = twoStep(() => {
      throw new RangeError("CRM said no");
    });
    const { next } = await runToEnd(workflow, { n: 1 });
    expect(next).toMatchObject({ kind: "failed", error: { name: "RangeError", message: "CRM said no" } });
  });

  it("rejects a step id used twice in one run", async () => {
    const workflow = defineWorkflow({ id: "dup", version: 1, minutesPerCase: 1, triggers: [] }, async ({ step }) => {
      await step.run("same", () => 1);
      await step.run("same", () => 2);
      return step.resolve("never");
    });
    const { next } = await runToEnd(workflow, {});
    expect(next).toMatchObject({ kind: "failed", error: { name: "TypeError" } });
  });

  it("fails a body that returns without resolving", async () => {
    const workflow = defineWorkflow({ id: "no-end", version: 1, minutesPerCase: 1, triggers: [] }, async () => ({ outcome: "sneaky" }));
    const { next } = await runToEnd(workflow, {});
    expect(next).toMatchObject({ kind: "failed", error: { name: "WorkflowError" } });
  });
});

describe("defineWorkflow", () => {
  it("rejects ids that are not kebab-case and versions that are not positive integers", () => {
    const body = async () => ({ outcome: "x" });
    expect(() => defineWorkflow({ id: "Bad Id", version: 1, minutesPerCase: 1, triggers: [] }, body)).toThrow(/kebab-case/);
    expect(() => defineWorkflow({ id: "ok", version: 0, minutesPerCase: 1, triggers: [] }, body)).toThrow(/positive integer/);
  });
});
