/**
 * Runs one golden case end to end in memory: the real case runtime and workflow, the local simulators, the configured
 * model. The case is opened by its event, every due burst runs, and whenever it then waits for a message it is
 * handed the next one: the customer's next scripted turn, or the event a simulated system would send (provisioning's
 * `service.activated` for an activation it was asked for). It stops when the case ends, waits for a person, or waits
 * for something nobody will send.
 */
import type { serveSimulators } from "../../simulators/index.ts";
import { modelResolver } from "../../workers/agent/models.ts";
import { MemoryCaseStore } from "../../workers/case/memory-store.ts";
import { CaseRuntime, type CaseView } from "../../workers/case/runtime.ts";
import { type EventEnvelope, routeEvent, type WorkflowDefinition } from "../../workers/engine/index.ts";
import { WORKFLOWS } from "../../workers/workflows/index.ts";
import { type GoldenCase, type GoldenEvent, materialize } from "./golden.ts";

type Simulators = Awaited<ReturnType<typeof serveSimulators>>;

/** How many messages a case may be handed before the run is called stuck (a loop, not a conversation). */
const MAX_DELIVERIES = 20;

export interface CaseRun {
  view: CaseView;
  /** Scripted customer turns the case never asked for (a golden case that no longer fits its workflow). */
  unsentTurns: number;
}

/**
 * @example const run = await driveCase({ workflow, sims, config, golden, index: 0 });
 */
export async function driveCase(args: {
  workflow: WorkflowDefinition;
  sims: Simulators;
  config: Record<string, unknown>;
  golden: GoldenCase;
  index: number;
}): Promise<CaseRun> {
  const { workflow, sims, config, golden, index } = args;
  let now = Date.now();
  const alarm = { at: null as number | null };
  const runtime = new CaseRuntime(
    new MemoryCaseStore(async () => {}),
    {
      get: async () => alarm.at,
      set: async (at) => {
        alarm.at = at;
      },
      delete: async () => {
        alarm.at = null;
      },
    },
    {
      workflows: WORKFLOWS,
      now: () => now,
      metrics: () => null,
      models: modelResolver(config),
      config,
      // Kept for the run only: no other case of this eval looks a customer up by another system's id.
      aliases: { register: async () => {} },
    },
  );
  let caseKey: string | null = null;
  const deliver = async (event: GoldenEvent, n: number, opens: boolean) => {
    const payload = await materialize(event.payload);
    // Routed as the ingest routes it, so a golden event reaches the workflow exactly as a webhook would.
    const route = routeEvent([workflow], event.source, event.type, payload)[0];
    if (!route)
      throw new Error(
        `golden case "${golden.name}": workflow ${workflow.id} takes no ${event.source} ${event.type} with this payload`,
      );
    if (caseKey !== null && route.caseKey !== caseKey)
      throw new Error(`golden case "${golden.name}": a ${event.type} for ${route.caseKey}, not this case (${caseKey})`);
    caseKey = route.caseKey;
    const envelope: EventEnvelope = {
      id: `golden-${index}-${n}-${crypto.randomUUID()}`,
      source: event.source,
      type: event.type,
      receivedAt: now,
      caseKey: route.caseKey,
      workflow: { id: workflow.id, version: workflow.version },
      opens,
      payloadJson: JSON.stringify(payload),
    };
    await runtime.ingest(envelope);
  };
  // Run every burst that is due now; the clock moves a millisecond per burst.
  const settle = async () => {
    for (let bursts = 0; alarm.at !== null && alarm.at <= now && bursts < 50; bursts++) {
      alarm.at = null;
      await runtime.alarm();
      now += 1;
    }
  };

  // Activations asked for before this case are other cases'.
  const activations = new Set(sims.systems.provisioning.activations.map((a) => a.id));
  await deliver(golden.event, 0, true);
  await settle();
  const turns = [...(golden.turns ?? [])];
  for (let n = 1; n <= MAX_DELIVERIES; n++) {
    const view = (await runtime.view())!;
    if (view.header.status !== "waiting" || view.wait?.kind !== "event") break;
    const wants = (source: string) => view.wait!.sources.length === 0 || view.wait!.sources.includes(source);
    const next = turns[0] && wants(turns[0].source) ? turns.shift() : systemEvent(sims, activations, wants);
    if (!next) break;
    await deliver(next, n, false);
    await settle();
  }
  return { view: (await runtime.view())!, unsentTurns: turns.length };
}

/** The event a simulated system owes the case now: provisioning reports an activation it was asked for as done. */
function systemEvent(sims: Simulators, seen: Set<string>, wants: (source: string) => boolean): GoldenEvent | undefined {
  if (!wants("provisioning")) return undefined;
  const activation = sims.systems.provisioning.activations.find((a) => !seen.has(a.id));
  if (!activation) return undefined;
  seen.add(activation.id);
  return {
    source: "provisioning",
    type: "service.activated",
    payload: { event: "service.activated", activation: { ...activation, status: "active" } },
  };
}
