/**
 * A canary that goes wrong, on both runtimes: a deliberately worse refund-dispute v3 (it proposes a full refund on
 * every ticket, test/e2e/rollouts-fixture.ts) gets 20 % of new cases under a policy with a rejection-rate guard.
 * People reject its proposals and approve v2's; the guard check halts v3 by itself, the change log and the Slack and
 * email notices say why, and the customers v3 would have had open their cases on v2 from then on.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../db/api-keys.ts";
import { openDatabase } from "../../db/client.ts";
import { verifyRolloutChanges } from "../../db/rollouts/store.ts";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign } from "../../scripts/senders.ts";
import { ROOT, type Service, startDenoServer } from "../../scripts/stack.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { versionForKey } from "../../workers/engine/index.ts";
import { REFRESH_MS } from "../../workers/rollouts/shares.ts";
import { runDemo, useStack } from "../support/stack.ts";
import { testWorkerConfig } from "../support/test-worker.ts";
import { eventually } from "../support/wait.ts";

const worker = testWorkerConfig("test/e2e/rollouts-worker.ts");
afterAll(() => rmSync(worker.dir, { recursive: true, force: true }));
const stack = useStack("rollouts", { workerConfig: worker.config });
const token = () => firstSecret(devVar("CROSSFLOW_API_TOKEN"));
const SHARES = [
  { version: 2, percent: 80 },
  { version: 3, percent: 20 },
];
const PER_VERSION = 10;

async function api(origin: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${origin}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token()}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Customers whose case key falls in `version`'s share: the same rule routing applies. */
function customersFor(version: number, count: number, run: string): string[] {
  const found: string[] = [];
  for (let i = 0; found.length < count; i++) {
    const email = `${run}-${i}@example.com`;
    if (versionForKey(SHARES, "refund-dispute", `customer:${email}`) === version) found.push(email);
  }
  return found;
}

async function ticket(origin: string, email: string, charge: string) {
  const payload = {
    id: `zd-${crypto.randomUUID()}`,
    type: "zen:event-type:ticket.created",
    time: new Date().toISOString(),
    detail: {
      id: String(Math.floor(Math.random() * 1e9)),
      subject: "Refund request",
      description: `I was charged twice, the duplicate is ${charge}.`,
      tags: ["refund"],
      requester: { email },
    },
  };
  const res = await post(origin, await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, payload));
  expect(res.status).toBe(202);
}

async function charge(amount: number): Promise<string> {
  const id = `ch_roll${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const res = await fetch(`${stack().simulators.url}/stripe/v1/charges`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${SIMULATOR_KEYS.stripe}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ id, amount: String(amount), currency: "eur" }),
  });
  expect(res.ok).toBe(true);
  return id;
}

const caseOf = async (origin: string, email: string) =>
  (await api(origin, "GET", `/cases/refund-dispute/${encodeURIComponent(`customer:${email}`)}`)).body;

/** A person decides each proposal: v3's (a refund the ticket does not justify) rejected, v2's approved. */
async function decideUntilResolved(origin: string, email: string) {
  return eventually(
    async () => {
      const view = await caseOf(origin, email);
      if (view.header?.status === "resolved") return view;
      if (view.wait?.kind === "human") {
        const reject = view.header.workflowVersion === 3;
        await api(origin, "POST", `/cases/refund-dispute/${encodeURIComponent(`customer:${email}`)}/decisions`, {
          step: view.wait.stepId,
          decision: reject ? "reject" : "approve",
          actor: { id: "ops-ana", roles: ["operator"] },
          note: reject ? "not a duplicate: the customer was charged once" : "duplicate confirmed",
        });
      }
      return undefined;
    },
    60_000,
    `${email} resolved`,
  );
}

const slackMessages = async () =>
  (
    (await (await fetch(`${stack().simulators.url}/slack/_sim/messages`)).json()) as {
      messages: { text: string; blocks: unknown[] }[];
    }
  ).messages;
const sentEmails = async () =>
  (
    (await (await fetch(`${stack().simulators.url}/resend/_sim/sent`)).json()) as {
      sent: { to: string[]; subject: string; text: string }[];
    }
  ).sent;

async function canaryGoesWrong(origin: string, run: string, runtime: "cloudflare" | "deno") {
  const halts = (m: { text?: string; subject?: string }) => (m.text ?? m.subject ?? "").includes("Crossflow halted");
  const notices = {
    slack: (await slackMessages()).filter(halts).length,
    email: (await sentEmails()).filter((m) => halts({ subject: m.subject })).length,
  };
  const before = await api(origin, "GET", "/rollouts/refund-dispute");
  expect(before.status).toBe(200);
  expect(before.body.versions).toEqual([3, 2, 1]);
  const set = await api(origin, "PUT", "/rollouts/refund-dispute", {
    actor: "ana",
    reason: `${run}: v3 takes 20 % of new refund cases`,
    expectedRevision: before.body.revision,
    policy: {
      baseline: 2,
      candidate: 3,
      shares: SHARES,
      guards: [{ metric: "rejectionRate", maxWorseBy: 0.1 }],
      minimumSample: 8,
      steps: [20, 50, 100],
      promotion: "approval",
      notify: { slack: ["#refund-leads"], email: ["ops-lead@example.com"] },
      state: "canary",
    },
  });
  expect(set.status).toBe(200);
  expect(set.body.changes[0]).toMatchObject({ action: "set", actor: "person:ana via dashboard" });
  // Every instance reads the policies at most REFRESH_MS late.
  await new Promise((r) => setTimeout(r, REFRESH_MS + 500));

  const onV3 = customersFor(3, PER_VERSION, `${run}-a`);
  const onV2 = customersFor(2, PER_VERSION, `${run}-b`);
  for (const email of [...onV3, ...onV2]) await ticket(origin, email, await charge(8_000));
  const views = await Promise.all([...onV3, ...onV2].map((email) => decideUntilResolved(origin, email)));
  // Each customer's case opened on the version their key's share names.
  expect(views.map((v) => v.header.workflowVersion)).toEqual([...onV3.map(() => 3), ...onV2.map(() => 2)]);
  expect(views.slice(0, PER_VERSION).every((v) => v.header.outcome === "refund-not-approved")).toBe(true);
  expect(views.slice(PER_VERSION).every((v) => v.header.outcome === "refunded")).toBe(true);

  // The guard check (seconds after the metrics land, and every minute) halts v3 by itself.
  const halted = await eventually(
    async () => {
      const view = await api(origin, "GET", "/rollouts/refund-dispute");
      return view.body.policy?.state === "halted" ? view.body : undefined;
    },
    90_000,
    "the canary halted",
  );
  expect(halted.policy.shares).toEqual([
    { version: 2, percent: 100 },
    { version: 3, percent: 0 },
  ]);
  const change = halted.changes[0];
  // Halted by this runtime's own check: the log names it.
  expect(change).toMatchObject({ action: "auto-halt", actor: `guard@${runtime}` });
  expect(change.reason).toContain("Rejected proposals worse than v2 beyond the limit");
  const reading = change.figures.readings.find((r: any) => r.metric === "rejectionRate");
  expect(reading.status).toBe("breached");
  expect(reading.candidate.value).toBeGreaterThan(0.5);
  expect(reading.baseline.value).toBe(0);
  expect(reading.change.interval.low).toBeGreaterThan(0.1);

  // The people the policy names are told, with the figures (one notice each per halt).
  const subject = `Crossflow halted refund-dispute v3 (20 % of new cases → 0 %)`;
  const slack = await eventually(
    async () => {
      const found = (await slackMessages()).filter((m) => m.text.includes(subject));
      return found.length === notices.slack + 1 ? found.at(-1) : undefined;
    },
    20_000,
    "the Slack notice",
  );
  expect(JSON.stringify(slack.blocks)).toContain("Rejected proposals: v3");
  const mail = await eventually(
    async () => {
      const found = (await sentEmails()).filter((m) => m.subject === subject);
      return found.length === notices.email + 1 ? found.at(-1) : undefined;
    },
    20_000,
    "the email notice",
  );
  expect(mail.to).toEqual(["ops-lead@example.com"]);
  expect(mail.text).toContain("Rejected proposals: v3");
  expect(mail.text).toContain("v2 takes every new case again");

  // From now on the customers v3 would have had open their cases on v2; v2 keeps taking new cases.
  await new Promise((r) => setTimeout(r, REFRESH_MS + 500));
  const later = customersFor(3, 3, `${run}-c`);
  for (const email of later) await ticket(origin, email, await charge(2_000));
  for (const email of later) {
    const view = await eventually(
      async () => ((v) => (v.header ? v : undefined))(await caseOf(origin, email)),
      30_000,
      `${email} opened`,
    );
    expect(view.header.workflowVersion).toBe(2);
  }
  return halted;
}

describe("rollouts through the case API: only admins change a policy, and every change is checked", () => {
  it("refuses viewers and operators, a dashboard call naming nobody, a stale revision, an undeployed version and shares that do not add up", async () => {
    const origin = stack().worker.url;
    const db = openDatabase({ url: stack().libsql.url, authToken: stack().libsql.authToken });
    const keyOf = async (role: "viewer" | "operator" | "admin") =>
      (await createApiKey(db, { name: `rollouts ${role}`, role, createdBy: "test" })).key;
    const [viewer, operator, admin] = await Promise.all([keyOf("viewer"), keyOf("operator"), keyOf("admin")]);
    const call = async (key: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${origin}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const seen = await call(viewer, "GET", "/rollouts/refund-dispute");
    expect(seen.status).toBe(200);
    const policy = { baseline: 2, shares: [{ version: 2, percent: 100 }] };
    const change = { policy, reason: "v2 takes everything", expectedRevision: seen.body.revision };
    for (const key of [viewer, operator])
      expect(await call(key, "PUT", "/rollouts/refund-dispute", change)).toMatchObject({
        status: 403,
        body: { error: { code: "insufficient_role" } },
      });
    expect((await call(token(), "PUT", "/rollouts/refund-dispute", change)).body.error.code).toBe("actor_required");
    expect(
      await call(admin, "PUT", "/rollouts/refund-dispute", { ...change, expectedRevision: seen.body.revision + 7 }),
    ).toMatchObject({ status: 409, body: { error: { code: "stale_revision" } } });
    expect(
      await call(admin, "PUT", "/rollouts/refund-dispute", {
        ...change,
        policy: {
          baseline: 2,
          candidate: 9,
          shares: [
            { version: 2, percent: 90 },
            { version: 9, percent: 10 },
          ],
          state: "canary",
        },
      }),
    ).toMatchObject({ status: 422, body: { error: { code: "unknown_version" } } });
    // A candidate taking cases without its guards watching is refused before anything else.
    const unwatched = await call(admin, "PUT", "/rollouts/refund-dispute", {
      ...change,
      policy: {
        baseline: 2,
        candidate: 1,
        shares: [
          { version: 2, percent: 80 },
          { version: 1, percent: 20 },
        ],
      },
    });
    expect(unwatched).toMatchObject({ status: 400, body: { error: { code: "invalid_rollout" } } });
    expect(unwatched.body.error.message).toContain("state canary, not steady");
    const uneven = await call(admin, "PUT", "/rollouts/refund-dispute", {
      ...change,
      policy: { baseline: 2, shares: [{ version: 2, percent: 60 }] },
    });
    expect(uneven).toMatchObject({ status: 400, body: { error: { code: "invalid_rollout" } } });
    expect(uneven.body.error.message).toContain("add up to 60 %");
    expect((await call(admin, "GET", "/rollouts/no-such-workflow")).status).toBe(404);

    const set = await call(admin, "PUT", "/rollouts/refund-dispute", change);
    expect(set.status).toBe(200);
    expect(set.body.changes[0]).toMatchObject({ action: "set", reason: "v2 takes everything" });
    expect(set.body.changes[0].actor).toMatch(/^person:rollouts-admin via key:/);
    expect(await verifyRolloutChanges(db, "refund-dispute")).toBeNull();
    db.$client.close();
  });
});

describe("an older version given every new case", () => {
  it("runs the demo to settled states: v1 asks in the dashboard only, and the demo's operator approves there", async () => {
    const origin = stack().worker.url;
    const before = await api(origin, "GET", "/rollouts/refund-dispute");
    const set = await api(origin, "PUT", "/rollouts/refund-dispute", {
      actor: "ana",
      reason: "back to v1 while v2's Slack app is reviewed",
      expectedRevision: before.body.revision,
      policy: { baseline: 1, shares: [{ version: 1, percent: 100 }] },
    });
    expect(set.status).toBe(200);
    await new Promise((r) => setTimeout(r, REFRESH_MS + 500));
    const demo = await runDemo(stack(), ["--cases", "12"]);
    expect(demo).toMatchObject({ opened: 12, failed: 0, inFlight: 0 });
  }, 180_000);
});

describe("rollouts: a worse canary is halted by its guard", () => {
  it("on wrangler dev, with demo traffic running beside it", async () => {
    const demo = runDemo(stack(), ["--cases", "20"]);
    await canaryGoesWrong(stack().worker.url, `wd${Date.now().toString(36)}`, "cloudflare");
    expect((await demo).inFlight).toBe(0);
  }, 240_000);

  describe("on Deno, the same policy", () => {
    let deno: Service | undefined;
    beforeAll(async () => {
      // The worker under wrangler dev shares the database: its minute cron must not be the one that halts here.
      stack().stopCron();
      deno = await startDenoServer({
        dataDir: stack().dataDir,
        libsqlUrl: stack().libsql.url,
        libsqlAuthToken: stack().libsql.authToken,
        simulatorsUrl: stack().simulators.url,
        entry: join(ROOT, "test/e2e/rollouts-deno.ts"),
        quiet: true,
      });
    }, 90_000);
    afterAll(async () => {
      await deno?.stop();
    });

    it("halts v3 by itself and keeps v2 taking new cases", async () => {
      await canaryGoesWrong(deno!.url, `dn${Date.now().toString(36)}`, "deno");
    }, 240_000);
  });
});
