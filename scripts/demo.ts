/**
 * `npm run demo -- --cases 100`: drives the local stack (`npm start`) with a realistic mix of refund-dispute and
 * customer-onboarding cases, shows progress, answers the cases that ask the customer, and ends with a summary of
 * the cases' own states (read back through the case API). Exits non-zero if any case is still in flight at the end.
 * Options: `--cases N` (default 50), `--concurrency N` (default 8), `--workflow refund-dispute|customer-onboarding`
 * (default both), `--scenario KIND` (every case of one scenario of `demo-traffic/scenarios.ts`, e.g.
 * `question-then-document`; default a weighted mix); WORKER_URL, SIMULATORS_URL override the local URLs.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { answerSurveys } from "./demo-traffic/satisfaction.ts";
import {
  answer,
  approve,
  caseState,
  type DemoCase,
  type DemoState,
  type DemoTarget,
  type DemoWorkflow,
  SCENARIOS,
  sendDemoCase,
} from "./demo-traffic.ts";
import { devVar, firstSecret } from "./dev-vars.ts";
import { demoManifestPath } from "./kpi-verify.ts";

const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const total = flag("cases", 50);
const concurrency = flag("concurrency", 8);
const only = process.argv.includes("--workflow")
  ? (process.argv[process.argv.indexOf("--workflow") + 1] as DemoWorkflow)
  : null;
const workflows: DemoWorkflow[] = only ? [only] : ["refund-dispute", "customer-onboarding"];
const scenario = process.argv.includes("--scenario") ? process.argv[process.argv.indexOf("--scenario") + 1] : undefined;
if (scenario !== undefined && !SCENARIOS.some((s) => s.kind === scenario)) {
  console.error(`no demo scenario "${scenario}": one of ${SCENARIOS.map((s) => s.kind).join(", ")}`);
  process.exit(2);
}
const target: DemoTarget = {
  workerUrl: process.env.WORKER_URL ?? `http://127.0.0.1:${process.env.WORKER_PORT ?? 8787}`,
  simulatorsUrl: process.env.SIMULATORS_URL ?? `http://127.0.0.1:${process.env.SIMULATORS_PORT ?? 8790}`,
  apiToken: firstSecret(process.env.CROSSFLOW_API_TOKEN ?? devVar("CROSSFLOW_API_TOKEN")),
  resendSecret: firstSecret(process.env.RESEND_WEBHOOK_SECRET ?? devVar("RESEND_WEBHOOK_SECRET")),
  onboardingSecret: firstSecret(process.env.ONBOARDING_FORM_SECRET ?? devVar("ONBOARDING_FORM_SECRET")),
};

function bar(done: number, of: number, label: string): void {
  const width = 30;
  const filled = Math.round((done / of) * width);
  process.stdout.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${of}`);
  if (done === of) process.stdout.write("\n");
}

const run = Date.now().toString(36);
const cases: DemoCase[] = [];
let next = 0;
try {
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) {
        const n = next++;
        cases.push(await sendDemoCase(target, run, n, workflows, scenario));
        bar(cases.length, total, "sending tickets ");
      }
    }),
  );
} catch (error) {
  console.error(
    `\n${(error as Error).message}\nIs \`npm start\` running? (worker ${target.workerUrl}, simulators ${target.simulatorsUrl})`,
  );
  process.exit(1);
}

// The cases it opened, for `npm run kpi:verify`: a case whose metrics never arrived is still recounted.
const manifest = demoManifestPath();
mkdirSync(dirname(manifest), { recursive: true });
appendFileSync(
  manifest,
  cases.map((c) => `${JSON.stringify({ workflow: c.workflow, caseKey: c.caseKey })}\n`).join(""),
);

const states = new Map<DemoCase, Awaited<ReturnType<typeof caseState>>>();
const replied = new Set<DemoCase>();
const approved = new Set<DemoCase>();
const deadline = Date.now() + 120_000;
for (;;) {
  for (const c of cases) {
    const s = await caseState(target, c);
    states.set(c, s);
    // The customer answers the question the case asked them, as a real one would.
    if (s.askedBy && !replied.has(c)) {
      replied.add(c);
      await answer(target, c, s.askedBy);
    }
    // An operator approves some requests from Slack; the others wait in the dashboard's inbox.
    if (s.state === "awaiting approval" && !approved.has(c)) {
      approved.add(c);
      if (await approve(target, c)) states.set(c, { ...s, state: "in flight" });
    }
  }
  const settled = [...states.values()].filter((s) => s.state !== "in flight" && s.state !== "asked customer").length;
  bar(settled, total, "cases settling  ");
  if (settled === total || Date.now() > deadline) break;
  await new Promise((r) => setTimeout(r, 500));
}

// Each resolved case then asks its customer how satisfied they are (1-5); about three in four answer.
const resolved = cases.filter((c) => states.get(c)?.state === "resolved");
const scores = await answerSurveys(target, resolved, 20_000);
if (resolved.length > 0)
  console.log(
    `satisfaction: ${scores.length} of ${resolved.length} resolved cases' customers answered${scores.length ? `, mean ${(scores.reduce((a, b) => a + b, 0) / scores.length).toFixed(1)}` : ""}`,
  );

const STATES: DemoState[] = ["resolved", "awaiting approval", "escalated", "asked customer", "failed", "in flight"];
const count = (kind: string | null, pred: (s: { state: DemoState; humanTouch: boolean }) => boolean) =>
  cases.filter((c) => (kind === null || c.kind === kind) && pred(states.get(c)!)).length;
const line = (label: string, kind: string | null) =>
  `| ${label} | ${count(kind, () => true)} | ${count(kind, (s) => s.state === "resolved" && !s.humanTouch)} | ${count(kind, (s) => s.state === "resolved" && s.humanTouch)} | ${STATES.slice(
    1,
  )
    .map((st) => count(kind, (s) => s.state === st))
    .join(" | ")} |`;
console.log(
  `\n| scenario | opened | resolved autonomously | resolved with human help | ${STATES.slice(1).join(" | ")} |`,
);
console.log(`|---|${"---:|".repeat(3 + STATES.length - 1)}`);
for (const s of SCENARIOS)
  if (cases.some((c) => c.kind === s.kind)) console.log(line(`${s.workflow}: ${s.kind}`, s.kind));
console.log(line("**all**", null));
const stuck = count(null, (s) => s.state === "in flight");
if (stuck > 0) {
  console.error(`\n${stuck} case(s) still in flight after 120 s`);
  // What each one is doing, so a stall can be traced rather than rerun: its status and the step it waits on.
  for (const c of cases.filter((c) => states.get(c)!.state === "in flight")) {
    const res = await fetch(`${target.workerUrl}/api/cases/${c.workflow}/${encodeURIComponent(c.caseKey)}`, {
      headers: { authorization: `Bearer ${target.apiToken}` },
    });
    const view = res.ok
      ? ((await res.json()) as { header: { status: string }; wait: { kind: string; stepId: string } | null })
      : null;
    console.error(
      `  ${c.workflow} ${c.caseKey} (${c.kind}): ${view ? `${view.header.status}${view.wait ? `, waiting on ${view.wait.kind} ${view.wait.stepId}` : ""}` : `case API answered ${res.status}`}`,
    );
  }
  process.exitCode = 1;
}
