/** `npm start`: the whole system on this machine, no account or key needed. Ctrl-C stops everything. */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { openDatabase } from "../db/client.ts";
import { databaseIsEmpty } from "./demo-history/store.ts";
import { answerSurveys } from "./demo-traffic/satisfaction.ts";
import { answer, approve, caseState, type DemoTarget, sendDemoCase } from "./demo-traffic.ts";
import { devVar, firstSecret } from "./dev-vars.ts";
import { BIN, ensureAuditKeys, ensureLocalAuthToken, ROOT, startStack } from "./stack.ts";

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const agentModel = devVar("CROSSFLOW_MODEL") ?? "offline";
const trickleSeconds = Number(process.env.DEMO_TRICKLE_SECONDS ?? 5);
const begun = Date.now();
console.log("Starting Crossflow locally (libSQL endpoint, SaaS simulators, worker, dashboard)...");
// The libSQL endpoint runs SQL only for clients with this token (random on the first start, kept in .dev.vars).
const libsqlAuthToken = ensureLocalAuthToken();
// The worker signs a daily manifest of audit chain heads with this checkout's own key (README, "Audit trails").
await ensureAuditKeys();
const stack = await startStack({
  libsqlAuthToken,
  libsqlPort: port("LIBSQL_PORT", 8080),
  simulatorsPort: port("SIMULATORS_PORT", 8790),
  workerPort: port("WORKER_PORT", 8787),
  dashboardPort: port("DASHBOARD_PORT", 5173),
  dataDir: join(ROOT, ".data"),
  // CROSSFLOW_TIME_SCALE=3600 npm start: an hour of the workflows' timers passes in a second (demos only).
  vars: process.env.CROSSFLOW_TIME_SCALE ? { CROSSFLOW_TIME_SCALE: process.env.CROSSFLOW_TIME_SCALE } : undefined,
});

// An empty database gets 30 days of demo history (scripts/demo-history/), so the dashboard reads as a team's after a
// month; DEMO_HISTORY=0 turns it off. Decided before the trickle opens its first case.
const loadHistory =
  process.env.DEMO_HISTORY !== "0" &&
  (await databaseIsEmpty(openDatabase({ url: stack.libsql.url, authToken: stack.libsql.authToken })));

/** The first admin's password exists only in this start's memory: printed once, never stored in clear. */
function firstAdminLine(admin: { username: string; password: string } | null): string {
  if (!admin)
    return `     (sign in with an existing account; lost it? TURSO_DATABASE_URL=${stack.libsql.url} TURSO_AUTH_TOKEN=<TURSO_AUTH_TOKEN from .dev.vars> npm run users:create -- --username <you> --role admin)`;
  return `\n             first admin created, shown ONCE: username ${admin.username}  password ${admin.password}\n             (keep it; more accounts at ${stack.dashboard!.url}/admin/users)`;
}

console.log(`
Crossflow is up in ${((Date.now() - begun) / 1000).toFixed(1)} s
  worker     ${stack.worker.url}        webhooks: POST ${stack.worker.url}/hooks/<source> (github, stripe, slack, hubspot, zendesk, shopify, twilio, resend, provisioning)
             case API:  ${stack.worker.url}/api/… (Authorization: Bearer <CROSSFLOW_API_TOKEN from .dev.vars>)
             beside it in the same wrangler dev: crossflow-documents, the PDF reader it calls through its DOCUMENTS binding
  dashboard  ${stack.dashboard!.url}${firstAdminLine(stack.firstAdmin)}
  libSQL     ${stack.libsql.url}        (local stand-in for Turso Cloud on 127.0.0.1; data in .data/; requires Authorization: Bearer <TURSO_AUTH_TOKEN from .dev.vars>)
  simulators ${stack.simulators.url}       (local Stripe, email, Twilio SMS, Slack, Zendesk, HubSpot, compliance and provisioning APIs the connectors call)
             a customer texts back:   POST ${stack.simulators.url}/twilio/_sim/inbound {"from":"+49…","body":"YES"}
             a customer emails back:  POST ${stack.simulators.url}/resend/_sim/inbound {"from":"ana@…","text":"YES"}
             click Approve in Slack:  POST ${stack.simulators.url}/slack/_sim/click {"user":"U0CFOPSANA","action":"approve"}
  agents     model ${agentModel}${agentModel === "offline" ? " = Crossflow's built-in rules model (not an LLM); set CROSSFLOW_MODEL in .dev.vars for a real one" : ""}

${
  loadHistory
    ? `Demo history: loading 30 days of demo cases (run by the real workflows, clock moved back) in the background, about
              half a minute; every page says the figures include it. Remove it: npm run demo:clear-history.
              Not wanted on a fresh database: DEMO_HISTORY=0 npm start
`
    : ""
}Demo traffic: a refund ticket or an onboarding application every ${trickleSeconds || "-"} s${trickleSeconds ? "" : " (off)"} (DEMO_TRICKLE_SECONDS=0 turns it off); a burst: npm run demo -- --cases 100
One signed GitHub webhook:    npm run demo:once
Stop:                         Ctrl-C
`);

// A small continuous trickle of realistic cases keeps the dashboard alive.
const target: DemoTarget = {
  workerUrl: stack.worker.url,
  simulatorsUrl: stack.simulators.url,
  apiToken: firstSecret(devVar("CROSSFLOW_API_TOKEN")),
  resendSecret: firstSecret(devVar("RESEND_WEBHOOK_SECRET")),
  onboardingSecret: firstSecret(devVar("ONBOARDING_FORM_SECRET")),
};
let trickled = 0;
const trickleRun = `t${Date.now().toString(36)}`;
const trickle = trickleSeconds
  ? setInterval(() => {
      const n = trickled++;
      sendDemoCase(target, trickleRun, n)
        .then(async (c) => {
          // A customer asked for something answers a few seconds later; an approver in Slack clicks as quickly.
          await new Promise((r) => setTimeout(r, 3000));
          const { askedBy, state } = await caseState(target, c);
          if (askedBy) await answer(target, c, askedBy);
          if (state === "awaiting approval") await approve(target, c);
          // Once it resolved, the customer may answer its satisfaction question (about three in four do).
          await answerSurveys(target, [c], 60_000);
        })
        // A demo case still in flight when the stack stops fails its requests: that is the stop, not news.
        .catch((error: Error) => {
          if (!stopping) console.error(`demo trickle: ${error.message}`);
        });
    }, trickleSeconds * 1000)
  : null;

/**
 * The history is generated in a process of its own, so the stack is usable meanwhile; it keeps the workflows' step
 * logs to itself and prints one line when the history is in.
 */
let history: ChildProcess | null = loadHistory
  ? spawn(join(BIN, "tsx"), ["scripts/demo-history/main.ts", "load", "--force"], {
      cwd: ROOT,
      // The database was empty a moment ago; the trickle may have opened a case since: --force.
      env: { ...process.env, TURSO_DATABASE_URL: stack.libsql.url, TURSO_AUTH_TOKEN: stack.libsql.authToken },
      stdio: ["ignore", "inherit", "inherit"],
    })
  : null;
history?.once("exit", (code) => {
  if (code !== 0 && !stopping) console.error(`demo history: not loaded (exit code ${code}); the live system runs on`);
  history = null;
});

let stopping = false;
const shutdown = async (code: number) => {
  if (stopping) return;
  stopping = true;
  if (trickle) clearInterval(trickle);
  console.log("\nStopping Crossflow...");
  history?.kill("SIGTERM");
  await stack.stop();
  process.exit(code);
};
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
for (const service of [stack.libsql, stack.simulators, stack.worker, stack.dashboard!]) {
  service.process.once("exit", (code) => {
    if (stopping) return;
    console.error(`${service.name} exited unexpectedly (code ${code}); stopping the rest.`);
    void shutdown(1);
  });
}
