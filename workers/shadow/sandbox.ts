/**
 * One recorded case replayed on a candidate version, in memory: the case runtime every platform runs, over an
 * in-memory store, a timer of its own and a sandbox clock that follows the recorded event times. Production's inbound
 * events go in as they arrived (people's decisions as decisions, at the moments they were taken); a function step
 * production already ran is answered with production's result (its reads and writes happened once, for real); the
 * candidate's own judgments (agent turns on the configured model, rule decisions) run; everything else it would send
 * goes to the recording fetch and is recorded, never sent.
 */
import type { CaseSnapshot } from "../../db/facts.ts";
import type { AutonomyLevels, ModelResolver } from "../agent/types.ts";
import type { CaseJournal } from "../case/journal.ts";
import { MemoryCaseStore } from "../case/memory-store.ts";
import { CaseRuntime } from "../case/runtime.ts";
import type { CaseHeader } from "../case/storage.ts";
import { CONNECTOR_FETCH } from "../connectors/http.ts";
import {
  type EventEnvelope,
  HUMAN_SOURCE,
  type HumanDecision,
  type StepRecord,
  TERMINAL_STATUSES,
  type WorkflowDefinition,
} from "../engine/index.ts";
import { RecordingFetch, type SandboxRefusal } from "./recording-fetch.ts";

/** Bursts one case may run before the sandbox gives up on it (a candidate that never parks nor ends). */
const MAX_BURSTS = 500;

/**
 * Judgments the candidate makes itself even where production recorded a step of the same id: these are what a
 * shadow run compares. Every other function step production ran is answered from its record.
 */
const CANDIDATE_JUDGES = new Set(["agent", "decide"]);

export interface SandboxOptions {
  candidate: WorkflowDefinition;
  /** The deployment's configuration (connector settings, time scale); the sandbox adds its own fetch. */
  config: Readonly<Record<string, unknown>>;
  models?: ModelResolver;
  /** The autonomy level in force per workflow action (the deployment's): the candidate acts as it would if it opened cases now. */
  autonomy?: AutonomyLevels;
  /** The sandbox clock never passes this instant (the moment of the shadow run): what was still ahead stays ahead. */
  horizon: number;
}

/** What the candidate did with one recorded case. */
export interface SandboxRun {
  /** Set when the sandbox had to stop the case (a read production never made, a bug in the candidate...). */
  refusal: SandboxRefusal | null;
  header: CaseHeader | null;
  /** The candidate's completed steps in order. */
  steps: StepRecord[];
  /** The writes each step would have sent (never sent). */
  writes: RecordingFetch["writes"];
  /** The candidate's case summary with its measured facts, as the metrics writer would have stored it. */
  snapshot: CaseSnapshot | null;
}

/** The in-memory store, telling the recording fetch which step's function runs now. */
class SandboxStore extends MemoryCaseStore {
  constructor(private readonly recording: RecordingFetch) {
    super(async () => {});
  }

  override beginAttempt(stepId: string, idempotencyKey: string, at: number) {
    this.recording.stepId = stepId;
    return super.beginAttempt(stepId, idempotencyKey, at);
  }
}

function envelopeOf(journal: CaseJournal, index: number, candidate: WorkflowDefinition): EventEnvelope {
  const event = journal.events[index]!;
  return {
    id: event.id,
    source: event.source,
    type: event.type,
    receivedAt: event.receivedAt,
    caseKey: journal.header.caseKey,
    workflow: { id: candidate.id, version: candidate.version },
    // The first event opened the production case; the others joined it.
    opens: index === 0,
    caseSeq: journal.header.seq,
    payloadJson: JSON.stringify(event.payload ?? null),
  };
}

/**
 * Replays `journal` on the candidate and reports what it did.
 * @example const run = await runInSandbox(journal, { candidate: refundDisputeV3, config: env, horizon: Date.now() });
 */
export async function runInSandbox(journal: CaseJournal, options: SandboxOptions): Promise<SandboxRun> {
  const { candidate } = options;
  let now = journal.events[0]?.receivedAt ?? journal.header.openedAt;
  const recording = new RecordingFetch(() => now);
  const store = new SandboxStore(recording);
  const produced = new Map(journal.steps.map((s) => [s.id, s]));
  let snapshot: CaseSnapshot | null = null;
  const alarm = { at: null as number | null };
  const runtime = new CaseRuntime(
    store,
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
      workflows: [candidate],
      now: () => now,
      // The summary the writer would store: the candidate's measured facts, for its estimated KPIs.
      metrics: () => ({
        deliver: async (batch) => {
          snapshot = batch.snapshot;
        },
      }),
      models: options.models,
      autonomy: options.autonomy,
      config: { ...options.config, [CONNECTOR_FETCH]: recording.fetch },
      // Aliases name customers for live routing; a sandbox case must not claim any.
      aliases: { register: async () => {} },
      recordedAnswer: (stepId) => {
        const step = produced.get(stepId);
        return step && !CANDIDATE_JUDGES.has(step.kind) ? { output: step.output } : undefined;
      },
    },
  );
  let bursts = 0;
  const stopped = () => recording.refusal !== null || bursts >= MAX_BURSTS;
  /** Fires the case's timer while it is due by `until`, moving the clock to each firing. */
  const runDue = async (until: number) => {
    while (alarm.at !== null && alarm.at <= until && !stopped()) {
      now = Math.max(now, alarm.at);
      alarm.at = null;
      bursts++;
      await runtime.alarm();
    }
  };
  try {
    for (let i = 0; i < journal.events.length && !stopped(); i++) {
      const event = journal.events[i]!;
      const at = Math.min(event.receivedAt, options.horizon);
      await runDue(at);
      now = Math.max(now, at);
      if (event.source === HUMAN_SOURCE) {
        // A person's decision reaches the candidate as it reached production: checked against what the case waits for.
        await runtime.decide({ ...(event.payload as HumanDecision), id: event.id });
      } else {
        await runtime.ingest(envelopeOf(journal, i, candidate));
      }
      await runDue(now);
    }
    // What production's events never ended runs on to its deadlines, up to the moment of the shadow run.
    await runDue(options.horizon);
  } catch (error) {
    recording.refusal ??= {
      stepId: recording.stepId,
      reason: `the sandbox stopped: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const header = await runtime.head();
  if (!recording.refusal && bursts >= MAX_BURSTS && header && !TERMINAL_STATUSES.includes(header.status))
    recording.refusal = { stepId: null, reason: `the candidate neither parked nor ended within ${MAX_BURSTS} bursts` };
  return { refusal: recording.refusal, header, steps: store.steps(), writes: recording.writes, snapshot };
}
