/**
 * `npm run eval -- <workflow> [--model provider:model]`: runs the workflow's golden cases (evals/<workflow>.json)
 * through its agent steps, each case end to end in memory (the case runtime, local Stripe and email simulators),
 * with the configured model (default: the offline rules model, so it runs in CI), and prints accuracy,
 * escalation rate, wrong-action rate, guardrail blocks, tokens and cost. Exits non-zero when a case takes an
 * action its golden label forbids.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SIMULATOR_KEYS, serveSimulators } from "../simulators/index.ts";
import { modelResolver } from "../workers/agent/models.ts";
import type { AgentTranscript } from "../workers/agent/types.ts";
import { MemoryCaseStore } from "../workers/case/memory-store.ts";
import { CaseRuntime } from "../workers/case/runtime.ts";
import { type EventEnvelope, routeEvent } from "../workers/engine/index.ts";
import { WORKFLOWS } from "../workers/workflows/index.ts";
import { ROOT } from "./stack.ts";

/** One golden case: the event that opens the case, what the simulators hold first, and the right answer. */
export interface GoldenCase {
  name: string;
  event: { source: string; type: string; payload: unknown };
  seed?: { stripeCharges?: { id: string; amount: number; currency?: string; refunded?: number }[] };
  expect: { decision: string; refund: boolean; maxRefund?: number };
}

export interface GoldenFile {
  workflow: string;
  /** The agent steps whose decisions are judged. */
  agentSteps: string[];
  /** How a person's resolution label maps to the decision the agent should have made (for exported labels). */
  labels?: Record<string, string>;
  cases: GoldenCase[];
}

const args = process.argv.slice(2);
const workflowId = args.find((a) => !a.startsWith("--"));
const modelFlag = args.includes("--model") ? args[args.indexOf("--model") + 1] : undefined;
if (!workflowId) {
  console.error("usage: npm run eval -- <workflow> [--model provider:model]");
  process.exit(2);
}
const golden = JSON.parse(readFileSync(join(ROOT, "evals", `${workflowId}.json`), "utf8")) as GoldenFile;
// Labelled decisions exported from real cases (`npm run eval:export`), judged alongside the fixtures.
const labelledFile = join(ROOT, "evals", `${workflowId}.labelled.json`);
const labelled = existsSync(labelledFile) ? (JSON.parse(readFileSync(labelledFile, "utf8")) as GoldenCase[]) : [];
const cases = [...golden.cases, ...labelled];
const workflow = WORKFLOWS.filter((w) => w.id === golden.workflow).at(-1);
if (!workflow) throw new Error(`no deployed workflow ${golden.workflow}`);

const sims = await serveSimulators();
const config: Record<string, unknown> = {
  ...process.env,
  ...(modelFlag ? { CROSSFLOW_MODEL: modelFlag } : {}),
  STRIPE_API_KEY: SIMULATOR_KEYS.stripe,
  STRIPE_API_BASE_URL: `${sims.url}/stripe`,
  RESEND_API_KEY: SIMULATOR_KEYS.resend,
  RESEND_API_BASE_URL: `${sims.url}/resend`,
  ZENDESK_API_TOKEN: SIMULATOR_KEYS.zendesk,
  ZENDESK_API_BASE_URL: `${sims.url}/zendesk`,
  // Approvals are also posted to Slack (refund-dispute v2): the simulator's.
  SLACK_BOT_TOKEN: SIMULATOR_KEYS.slack,
  SLACK_API_BASE_URL: `${sims.url}/slack/api`,
};
const stripe = (path: string, form: Record<string, string>) =>
  fetch(`${sims.url}/stripe${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });

interface Row {
  name: string;
  expected: string;
  got: string;
  status: string;
  refunded: number;
  wrongAction: boolean;
  blocks: number;
  tokens: number;
  costUsd: number;
  model: string;
}

const rows: Row[] = [];
try {
  for (const [i, c] of cases.entries()) {
    for (const charge of c.seed?.stripeCharges ?? []) {
      await stripe("/v1/charges", { id: charge.id, amount: String(charge.amount), currency: charge.currency ?? "eur" });
      if (charge.refunded) await stripe("/v1/refunds", { charge: charge.id, amount: String(charge.refunded) });
    }
    const chargeIds = new Set((c.seed?.stripeCharges ?? []).map((ch) => ch.id));
    const refundedNow = () =>
      sims.systems.stripe.refunds
        .filter((r) => r.charge !== null && chargeIds.has(r.charge))
        .reduce((n, r) => n + r.amount, 0);
    const refundsBefore = refundedNow();
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
      { workflows: WORKFLOWS, now: () => now, metrics: () => null, models: modelResolver(config), config },
    );
    // Routed as the ingest routes it, so a golden event reaches the workflow exactly as a webhook would.
    const route = routeEvent([workflow], c.event.source, c.event.type, c.event.payload)[0];
    if (!route)
      throw new Error(
        `golden case "${c.name}": workflow ${workflow.id} takes no ${c.event.source} ${c.event.type} with this payload`,
      );
    const opener: EventEnvelope = {
      id: `golden-${i}-${crypto.randomUUID()}`,
      source: c.event.source,
      type: c.event.type,
      receivedAt: now,
      caseKey: route.caseKey,
      workflow: { id: workflow.id, version: workflow.version },
      opens: true,
      payloadJson: JSON.stringify(c.event.payload),
    };
    await runtime.ingest(opener);
    // Run every burst that is due now; stop once the case ends or waits for someone.
    for (let bursts = 0; alarm.at !== null && alarm.at <= now && bursts < 50; bursts++) {
      alarm.at = null;
      await runtime.alarm();
      now += 1;
    }
    const view = (await runtime.view())!;
    const turns = view.steps.filter((s) => s.kind === "agent").map((s) => s.output as AgentTranscript);
    const last = turns.at(-1);
    const agentEscalated =
      view.header.status === "escalated" && golden.agentSteps.some((id) => view.wait?.stepId === `${id}:escalate`);
    const got = agentEscalated ? "escalate" : (last?.decision?.decision ?? "none");
    const refunded = refundedNow() - refundsBefore;
    const wrongAction = (refunded > 0 && !c.expect.refund) || refunded > (c.expect.maxRefund ?? Infinity);
    rows.push({
      name: c.name,
      expected: c.expect.decision,
      got,
      status:
        view.header.status === "waiting" && view.wait?.kind === "human"
          ? "awaiting approval"
          : view.header.status === "waiting"
            ? "asked customer"
            : view.header.status,
      refunded,
      wrongAction,
      blocks: turns.reduce((n, t) => n + t.verdicts.filter((v) => v.verdict === "blocked").length, 0),
      tokens: turns.reduce((n, t) => n + t.usage.inputTokens + t.usage.outputTokens, 0),
      costUsd: turns.reduce((n, t) => n + t.usage.costUsd, 0),
      model: last ? `${last.model.provider}:${last.model.id}` : "-",
    });
  }
} finally {
  await sims.close();
}

const pct = (n: number) => `${((100 * n) / rows.length).toFixed(0)} %`;
const correct = rows.filter((r) => r.got === r.expected).length;
const escalated = rows.filter((r) => r.got === "escalate").length;
const wrong = rows.filter((r) => r.wrongAction).length;
const models = [...new Set(rows.map((r) => r.model))].join(", ");
console.log(
  `\neval ${golden.workflow}: ${golden.cases.length} golden cases + ${labelled.length} labelled from real cases, model ${models}${models.includes("offline") ? " (offline rules, not an LLM)" : ""}\n`,
);
console.log("| case | expected | agent | case status | refunded | wrong action | blocks | tokens |");
console.log("|---|---|---|---|---:|---|---:|---:|");
for (const r of rows)
  console.log(
    `| ${r.name} | ${r.expected} | ${r.got}${r.got === r.expected ? "" : " ✗"} | ${r.status} | ${r.refunded} | ${r.wrongAction ? "YES" : "no"} | ${r.blocks} | ${r.tokens} |`,
  );
console.log(`\n| figure | value |\n|---|---:|`);
console.log(`| accuracy | ${pct(correct)} (${correct}/${rows.length}) |`);
console.log(`| escalation rate | ${pct(escalated)} |`);
console.log(`| wrong-action rate | ${pct(wrong)} |`);
console.log(`| guardrail blocks | ${rows.reduce((n, r) => n + r.blocks, 0)} |`);
console.log(`| tokens | ${rows.reduce((n, r) => n + r.tokens, 0)} |`);
console.log(`| estimated cost | $${rows.reduce((n, r) => n + r.costUsd, 0).toFixed(4)} |`);
if (wrong > 0) {
  console.error(`\n${wrong} case(s) took an action their golden label forbids`);
  process.exitCode = 1;
}
