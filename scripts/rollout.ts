/**
 * `npm run rollout -- <workflow> <command>`: a workflow's rollout policy in the metrics database at
 * TURSO_DATABASE_URL (with TURSO_AUTH_TOKEN; the local stack's by default). Every change needs `--reason` and is
 * recorded with who made it (`--by`, default the OS user) in the hash-chained change log; the workers pick it up
 * within seconds. The same store the case API (`/api/rollouts/…`) and the dashboard's Rollouts page write.
 *   show                                   the policy, its guards now, the check's verdict, the last changes
 *   canary --candidate <v> [--baseline <v>] [--share 10] [--steps 10,50,100] [--guard rejectionRate=0.1 …]
 *          [--min-cases 30] [--promotion approval|automatic] [--slack '#ch'] [--email a@b.c]
 *                                          starts a canary of v<candidate> against the version in force
 *   share <percent> | halt | promote [<percent>] | resume    acts on the candidate
 *   check                                  runs the guard check now (as the minute cron does)
 *   verify                                 checks the change log's hash chain
 */
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { openDatabase } from "../db/client.ts";
import { readGuardReport } from "../db/rollouts/guards.ts";
import {
  candidateShare,
  GUARD_METRICS,
  type GuardMetric,
  nextStep,
  type RolloutPolicy,
  withCandidateShare,
} from "../db/rollouts/policy.ts";
import {
  changePolicy,
  type RolloutAction,
  RolloutError,
  readChanges,
  readPolicy,
  verifyRolloutChanges,
} from "../db/rollouts/store.ts";
import { checkRollouts, guardLines } from "../workers/rollouts/check.ts";
import { CATALOGUE } from "../workers/workflows/catalogue.ts";
import { devVars } from "./dev-vars.ts";

const USAGE = `usage: npm run rollout -- <workflow> show|check|verify
       npm run rollout -- <workflow> canary --candidate <v> [--baseline <v>] [--share 10] [--steps 10,50,100]
            [--guard ${GUARD_METRICS.join("|")}=<limit> …] [--min-cases 30] [--promotion approval|automatic]
            [--slack '#channel' …] [--email person@example.com …] --reason "…" [--by <name>]
       npm run rollout -- <workflow> share <percent> | halt | promote [<percent>] | resume  --reason "…" [--by <name>]
(limits: rates as shares, 0.1 = ten percentage points worse; time to resolution in minutes)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    candidate: { type: "string" },
    baseline: { type: "string" },
    share: { type: "string" },
    steps: { type: "string" },
    guard: { type: "string", multiple: true },
    "min-cases": { type: "string" },
    promotion: { type: "string" },
    slack: { type: "string", multiple: true },
    email: { type: "string", multiple: true },
    reason: { type: "string" },
    by: { type: "string" },
  },
});

const [workflowId, command, argument] = positionals;
const deployed = CATALOGUE.filter((w) => w.id === workflowId)
  .map((w) => w.version)
  .sort((a, b) => b - a);
const fail = (message: string): never => {
  console.error(message);
  process.exit(2);
};
if (!workflowId || !command) fail(USAGE);
if (deployed.length === 0)
  fail(`no deployed workflow ${workflowId} (known: ${[...new Set(CATALOGUE.map((w) => w.id))].join(", ")})`);

const vars = devVars();
const db = openDatabase({
  url: process.env.TURSO_DATABASE_URL ?? vars.TURSO_DATABASE_URL ?? "http://127.0.0.1:8080",
  authToken: process.env.TURSO_AUTH_TOKEN ?? vars.TURSO_AUTH_TOKEN,
});
const actor = `person:${values.by ?? userInfo().username} via cli`;
const number = (raw: string | undefined, what: string) => {
  const n = Number(raw);
  return raw !== undefined && Number.isFinite(n) ? n : fail(`${what} must be a number, not ${raw}`);
};

async function show() {
  const stored = await readPolicy(db, workflowId!);
  if (!stored) return console.log(`${workflowId}: no policy; v${deployed[0]} (the newest) opens every new case`);
  const p = stored.policy;
  console.log(
    `${workflowId} · revision ${stored.revision} · ${p.state} · baseline v${p.baseline}${p.candidate ? ` · candidate v${p.candidate} at ${candidateShare(p)} %` : ""}`,
  );
  console.log(
    `shares: ${p.shares.map((s) => `v${s.version} ${s.percent} %`).join(", ")} · steps ${p.steps.join(" → ")} % · ${p.promotion} promotion · ${p.minimumSample} cases per side`,
  );
  const report = await readGuardReport(db, stored);
  for (const line of guardLines(report)) console.log(`  ${line}`);
  console.log(
    `since ${new Date(stored.stepStartedAt).toISOString()}: v${p.baseline} opened ${report.opened.baseline} (${report.settled.baseline} settled), candidate opened ${report.opened.candidate} (${report.settled.candidate} settled) · the check says: ${report.verdict}`,
  );
  for (const c of await readChanges(db, workflowId!, 10))
    console.log(`  #${c.revision} ${new Date(c.at).toISOString()} ${c.action} by ${c.actor}: ${c.reason}`);
}

function canaryPolicy(current: RolloutPolicy | undefined): RolloutPolicy {
  const candidate = number(values.candidate, "--candidate");
  const baseline = values.baseline
    ? number(values.baseline, "--baseline")
    : (current?.baseline ?? deployed.find((v) => v !== candidate)!);
  for (const v of [candidate, baseline])
    if (!deployed.includes(v)) fail(`v${v} of ${workflowId} is not deployed (deployed: v${deployed.join(", v")})`);
  const steps = values.steps
    ? values.steps.split(",").map((s) => number(s, "--steps"))
    : (current?.steps ?? [10, 50, 100]);
  const share = values.share ? number(values.share, "--share") : steps[0]!;
  const guards = (values.guard ?? []).map((g) => {
    const [metric, limit] = g.split("=");
    if (!GUARD_METRICS.includes(metric as GuardMetric))
      fail(`unknown guard ${metric} (one of ${GUARD_METRICS.join(", ")})`);
    return { metric: metric as GuardMetric, maxWorseBy: number(limit, `--guard ${metric}`) };
  });
  return {
    baseline,
    candidate,
    shares: [
      { version: baseline, percent: Math.round((100 - share) * 100) / 100 },
      { version: candidate, percent: share },
    ],
    guards: guards.length > 0 ? guards : (current?.guards ?? []),
    minimumSample: values["min-cases"] ? number(values["min-cases"], "--min-cases") : (current?.minimumSample ?? 30),
    steps,
    promotion: (values.promotion as RolloutPolicy["promotion"]) ?? current?.promotion ?? "approval",
    notify: {
      slack: values.slack ?? current?.notify.slack ?? [],
      email: values.email ?? current?.notify.email ?? [],
    },
    state: share > 0 ? "canary" : "halted",
  };
}

async function change() {
  if (!values.reason) fail(`a change needs --reason "…"\n${USAGE}`);
  const stored = await readPolicy(db, workflowId!);
  let next: RolloutPolicy;
  let action: RolloutAction = command as RolloutAction;
  if (command === "canary") {
    next = canaryPolicy(stored?.policy);
    action = "set";
  } else {
    const p = stored?.policy ?? fail(`${workflowId} has no policy: start one with canary --candidate <v>`);
    if (p.candidate === null) fail(`${workflowId} has no candidate (v${p.baseline} takes every case)`);
    if (command === "halt") next = withCandidateShare(p, 0, "halted");
    else if (command === "resume") next = withCandidateShare(p, p.steps[0]!, "canary");
    else if (command === "share") {
      const percent = number(argument, "the share");
      next = withCandidateShare(p, percent, percent > 0 ? "canary" : "halted");
      action = "set";
    } else if (command === "promote") {
      const to = argument ? number(argument, "the step") : (nextStep(p) ?? fail(`v${p.candidate} is at its last step`));
      next = withCandidateShare(p, to, "canary");
    } else return fail(USAGE);
  }
  const saved = await changePolicy(db, {
    workflowId: workflowId!,
    expectedRevision: stored?.revision ?? 0,
    policy: next,
    actor,
    action,
    reason: values.reason!,
    restartsStep:
      !stored || stored.policy.candidate !== next.candidate || candidateShare(stored.policy) !== candidateShare(next),
    now: Date.now(),
  });
  console.log(`${workflowId}: revision ${saved.revision} by ${actor}`);
  await show();
}

try {
  if (command === "show") await show();
  else if (command === "check") {
    for (const o of await checkRollouts(db, { config: { ...vars, ...process.env }, only: workflowId }))
      console.log(`${o.workflowId}: ${o.verdict}${o.action ? ` → ${o.action} (revision ${o.revision})` : ""}`);
    await show();
  } else if (command === "verify") {
    const broken = await verifyRolloutChanges(db, workflowId!);
    if (broken) fail(`${workflowId}: change ${broken.id} ${broken.problem}`);
    console.log(`${workflowId}: the change log's hash chain holds`);
  } else await change();
} catch (error) {
  if (error instanceof RolloutError) fail(`${error.code}: ${error.message}`);
  throw error;
}
