/**
 * `npm run eval -- <workflow> [--model provider:model]`: runs the workflow's golden cases (evals/<workflow>.json)
 * through its agent steps, each case end to end in memory (the case runtime, the workflow, the local simulators,
 * the customer's scripted messages), with the configured model (default: the offline rules model, so it runs in CI),
 * and prints accuracy, escalation rate, wrong-action rate, the conversation's answers and how many cite what they
 * used, guardrail blocks, tokens and cost. Exits non-zero when a case takes an action its golden label forbids, and
 * with `--require-all` also when any case is judged wrong.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SIMULATOR_KEYS, serveSimulators } from "../simulators/index.ts";
import { DOCUMENTS_BINDING, inProcessReader } from "../workers/agent/documents/index.ts";
import { WORKFLOWS } from "../workers/workflows/index.ts";
import { devVars } from "./dev-vars.ts";
import { driveCase } from "./eval/drive.ts";
import type { GoldenCase, GoldenFile } from "./eval/golden.ts";
import { type Effects, isCorrect, judge, type Row } from "./eval/judge.ts";
import { connectorUrls } from "./stack/simulators.ts";
import { ROOT } from "./stack.ts";

export type { GoldenCase, GoldenFile } from "./eval/golden.ts";

const args = process.argv.slice(2);
const workflowId = args.find((a) => !a.startsWith("--"));
const modelFlag = args.includes("--model") ? args[args.indexOf("--model") + 1] : undefined;
// CI runs the offline rules model, whose decisions are fixed: any case judged wrong there is a regression.
const requireAll = args.includes("--require-all");
if (!workflowId) {
  console.error("usage: npm run eval -- <workflow> [--model provider:model] [--require-all]");
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
const at = (system: string) => `${sims.url}/${system}`;
// The local settings `npm start` runs with (keys, senders), pointed at this run's simulators.
const config: Record<string, unknown> = {
  ...devVars(),
  ...connectorUrls(sims.url),
  ...process.env,
  ...(modelFlag ? { CROSSFLOW_MODEL: modelFlag } : {}),
  // Documents are read in this process, as on Deno (on Cloudflare a Worker of its own behind the binding).
  [DOCUMENTS_BINDING]: inProcessReader,
};
const stripe = (path: string, form: Record<string, string>) =>
  fetch(`${at("stripe")}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });

const rows: { c: GoldenCase; row: Row; unsentTurns: number }[] = [];
try {
  for (const [index, c] of cases.entries()) {
    for (const charge of c.seed?.stripeCharges ?? []) {
      await stripe("/v1/charges", { id: charge.id, amount: String(charge.amount), currency: charge.currency ?? "eur" });
      if (charge.refunded) await stripe("/v1/refunds", { charge: charge.id, amount: String(charge.refunded) });
    }
    const chargeIds = new Set((c.seed?.stripeCharges ?? []).map((ch) => ch.id));
    const { stripe: stripeSim, provisioning } = sims.systems;
    const tally = () => ({
      refunded: stripeSim.refunds
        .filter((r) => r.charge !== null && chargeIds.has(r.charge))
        .reduce((n, r) => n + r.amount, 0),
      subscriptions: stripeSim.subscriptions.length,
      activations: provisioning.activations.length,
    });
    const before = tally();
    const run = await driveCase({ workflow, sims, config, golden: c, index });
    const after = tally();
    const effects: Effects = {
      refunded: after.refunded - before.refunded,
      subscriptions: after.subscriptions - before.subscriptions,
      activations: after.activations - before.activations,
    };
    rows.push({ c, row: judge(golden, c, run.view, effects), unsentTurns: run.unsentTurns });
  }
} finally {
  await sims.close();
}

const n = rows.length;
const pct = (k: number, of = n) => (of === 0 ? "none" : `${((100 * k) / of).toFixed(0)} % (${k}/${of})`);
const sum = (f: (r: Row) => number) => rows.reduce((total, { row }) => total + f(row), 0);
const correct = rows.filter(({ c, row }) => isCorrect(c, row)).length;
const wrong = rows.filter(({ row }) => row.wrongAction !== null);
const models = [...new Set(rows.map(({ row }) => row.model))].join(", ");
const refunds = golden.workflow === "refund-dispute";
console.log(
  `\neval ${golden.workflow}: ${golden.cases.length} golden cases + ${labelled.length} labelled from real cases, model ${models}${models.includes("offline") ? " (offline rules, not an LLM)" : ""}\n`,
);
console.log(
  `| case | expected | agent | case status | ${refunds ? "refunded" : "billed / activated"} | wrong action | blocks | tokens |`,
);
console.log("|---|---|---|---|---:|---|---:|---:|");
for (const { c, row: r } of rows)
  console.log(
    `| ${r.name} | ${r.expected}${c.expect.status ? ` (${c.expect.status})` : ""}${c.expect.languages?.length ? ` in ${c.expect.languages.join(", ")}` : ""} | ${r.got}${r.answerLanguages.length > 0 ? ` in ${r.answerLanguages.join(", ")}` : ""}${isCorrect(c, r) ? "" : " ✗"} | ${r.status} | ${refunds ? r.effects.refunded : `${r.effects.subscriptions} / ${r.effects.activations}`} | ${r.wrongAction ?? "no"} | ${r.blocks} | ${r.tokens} |`,
  );
const answers = sum((r) => r.answers);
console.log(`\n| figure | value |\n|---|---:|`);
console.log(`| accuracy | ${pct(correct)} |`);
console.log(`| escalation rate | ${pct(rows.filter(({ row }) => row.status === "escalated").length)} |`);
console.log(`| wrong-action rate | ${pct(wrong.length)} |`);
if (golden.conversationSteps) {
  console.log(`| customer messages answered by the agent | ${answers} |`);
  console.log(
    `| answers citing the knowledge they used (grounded) | ${pct(
      sum((r) => r.citedAnswers),
      answers,
    )} |`,
  );
  console.log(`| escalations from a conversation | ${sum((r) => r.conversationEscalations)} |`);
  const languages = new Map<string, number>();
  for (const { row } of rows) for (const l of row.answerLanguages) languages.set(l, (languages.get(l) ?? 0) + 1);
  const spoken = [...languages].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  console.log(`| answers by language | ${spoken.map(([l, k]) => `${l} ${k}`).join(", ") || "none"} |`);
}
console.log(`| guardrail blocks | ${sum((r) => r.blocks)} |`);
console.log(`| tokens | ${sum((r) => r.tokens)} |`);
console.log(`| estimated cost | $${sum((r) => r.costUsd).toFixed(4)} |`);
for (const { c, row } of rows)
  if (!isCorrect(c, row) && row.escalationReason)
    console.log(`note: "${row.name}" went to a person: ${row.escalationReason}`);
for (const { row, unsentTurns } of rows)
  if (unsentTurns > 0)
    console.log(`note: "${row.name}" ended with ${unsentTurns} scripted message(s) the case never waited for`);
if (requireAll && correct < n) {
  console.error(`\n${n - correct} case(s) judged wrong (--require-all)`);
  process.exitCode = 1;
}
if (wrong.length > 0) {
  console.error(`\n${wrong.length} case(s) took an action their golden label forbids:`);
  for (const { row } of wrong) console.error(`- ${row.name}: ${row.wrongAction}`);
  process.exitCode = 1;
}
