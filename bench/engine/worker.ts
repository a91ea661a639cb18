/**
 * The engine benchmark's worker. `POST /bench/cases?steps=N` opens a case of the `bench-steps` workflow (N
 * sequential `step.run` calls to a connector that answers at once) and runs it to resolution through the case
 * object's own alarm handler, answering when it is resolved; everything else is the product's worker, so
 * `GET /healthz` is the trivial baseline on the same runtime.
 */
import { CaseObject as ProductCaseObject } from "../../workers/case/case-object.ts";
import { defineWorkflow } from "../../workers/engine/index.ts";
import { WORKFLOWS } from "../../workers/workflows/index.ts";
import product from "../../workers/index.ts";
import type { Env } from "../../workers/env.ts";

export { DeadLetterObject } from "../../workers/index.ts";

/** A connector with no latency: what is left is the engine's own cost per step. */
const zeroLatencyConnector = async (i: number) => ({ ok: true, i });

const benchSteps = defineWorkflow<{ steps: number }>({ id: "bench-steps", version: 1, minutesPerCase: 1, triggers: [] }, async ({ input, step }) => {
  for (let i = 0; i < input.steps; i++) await step.run(`call-${i}`, () => zeroLatencyConnector(i));
  return step.resolve("done", { steps: input.steps });
});

export class CaseObject extends ProductCaseObject {
  protected override readonly workflows = [...WORKFLOWS, benchSteps];

  /** Opens the case and drives its alarm handler until it ends: the bursts a deployed case would run. */
  async runToEnd(caseKey: string, steps: number): Promise<{ status: string; steps: number; bursts: number }> {
    await this.ingest({
      id: caseKey,
      source: "bench",
      type: "bench.start",
      receivedAt: Date.now(),
      caseKey,
      workflow: { id: benchSteps.id, version: benchSteps.version },
      opens: true,
      payloadJson: JSON.stringify({ steps }),
    });
    let bursts = 0;
    // The alarm ingest scheduled runs here instead, and so does each one a burst schedules for the next, so the
    // measured time is the object's work and not the timer's.
    while ((await this.ctx.storage.getAlarm()) !== null && bursts < 1000) {
      await this.ctx.storage.deleteAlarm();
      await this.alarm();
      bursts++;
    }
    const view = await this.view();
    return { status: view?.header.status ?? "missing", steps: view?.steps.length ?? 0, bursts };
  }
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/bench/cases") {
      const steps = Number(url.searchParams.get("steps") ?? "0");
      const caseKey = `bench:${crypto.randomUUID()}`;
      const stub = (env.CASES as unknown as DurableObjectNamespace<CaseObject>).getByName(`bench-steps/${caseKey}`);
      return Response.json(await stub.runToEnd(caseKey, steps));
    }
    return product.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
