/**
 * Progressive autonomy on `wrangler dev` and on Deno, with libSQL: a refund agent on "always ask" (test/e2e/autonomy-fixture.ts,
 * 3 approved proposals earn the next rung) has its proposals approved; the metrics writer proposes "alone up to 50";
 * an admin promotes it through the case API; the agent then refunds 30 without asking; a proposal of 80 (above its
 * rung) is rejected and the level drops back at once; a reversal is recorded. Every change is in the chained log, and
 * each approval and decision records the level it was made at.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../db/api-keys.ts";
import { openDatabase } from "../../db/client.ts";
import { verifyAutonomyChanges } from "../../db/rollouts/autonomy-store.ts";
import { actionOutcomes, metricEvents } from "../../db/schema.ts";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign } from "../../scripts/senders.ts";
import { ROOT, type Service, startDenoServer } from "../../scripts/stack.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { REFRESH_MS } from "../../workers/rollouts/autonomy-levels.ts";
import { useStack } from "../support/stack.ts";
import { testWorkerConfig } from "../support/test-worker.ts";
import { eventually } from "../support/wait.ts";

const worker = testWorkerConfig("test/e2e/autonomy-worker.ts");
afterAll(() => rmSync(worker.dir, { recursive: true, force: true }));
const stack = useStack("autonomy", { workerConfig: worker.config });
const token = () => firstSecret(devVar("CROSSFLOW_API_TOKEN"));
const run = crypto.randomUUID().slice(0, 8);
const ADMIN = "admin-ines";

/** Where a scenario runs: the runtime's origin and the fixture's copy it drives (tickets tagged with its id). */
interface Target {
  origin: () => string;
  wf: string;
}

async function charge(amount: number): Promise<string> {
  const id = `ch_auto${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const res = await fetch(`${stack().simulators.url}/stripe/v1/charges`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ id, amount: String(amount), currency: "eur" }),
  });
  expect(res.ok).toBe(true);
  return id;
}

const entries = (view: any, action: string) => view.timeline.filter((e: any) => e.action === action);

/** The case API of one runtime, for one copy of the fixture. */
function client({ origin, wf }: Target) {
  async function api(method: string, path: string, body?: unknown, bearer = token()) {
    const res = await fetch(`${origin()}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  /** A customer asks for a refund of a new charge of `amount` (minor units); returns their case key. */
  async function ticket(n: string, amount: number): Promise<string> {
    const email = `${run}-${wf}-${n}@example.com`;
    const payload = {
      id: `zd-${crypto.randomUUID()}`,
      type: "zen:event-type:ticket.created",
      time: new Date().toISOString(),
      detail: {
        id: String(Math.floor(Math.random() * 1e9)),
        subject: "Charged twice",
        description: `The duplicate is ${await charge(amount)}.`,
        tags: [wf],
        requester: { email },
      },
    };
    const res = await post(origin(), await sign.zendesk(devVar("ZENDESK_WEBHOOK_SECRET")!, payload));
    expect(res.status).toBe(202);
    return `customer:${email}`;
  }

  const caseOf = async (key: string) => (await api("GET", `/cases/${wf}/${encodeURIComponent(key)}`)).body;

  /** Waits until the case parks on a person or ends; returns its view. */
  const settled = (key: string) =>
    eventually(
      async () => {
        const view = await caseOf(key);
        return view.header?.status === "resolved" || view.wait?.kind === "human" ? view : undefined;
      },
      30_000,
      `${key} parked or resolved`,
    );

  async function decide(key: string, decision: "approve" | "reject") {
    const view = await settled(key);
    expect(view.wait?.kind, `${key} waits for a person`).toBe("human");
    const res = await api("POST", `/cases/${wf}/${encodeURIComponent(key)}/decisions`, {
      step: view.wait.stepId,
      decision,
      actor: { id: "ops-ana", roles: ["operator"] },
    });
    expect(res.status).toBe(202);
    return eventually(
      async () => {
        const after = await caseOf(key);
        return after.header?.status === "resolved" ? after : undefined;
      },
      30_000,
      `${key} resolved`,
    );
  }

  const refund = async () => (await api("GET", `/autonomy/${wf}`)).body.actions[0];
  return { api, ticket, settled, decide, refund };
}

/**
 * The whole story on one runtime: proposals approved at level 0, the proposal, an admin's promotion, a refund alone,
 * a rejection that demotes, a reversal; the chained log and the evidence rows checked in the database.
 */
async function earnedAndLost(t: Target) {
  const WF = t.wf;
  const { api, ticket, settled, decide, refund } = client(t);
  const start = await refund();
  expect(start).toMatchObject({ action: "refund", level: 0, proposedLevel: null, revision: 0 });
  expect(start.ladder.map((r: any) => r.name)).toEqual(["always ask", "alone up to 50"]);

  // Promotion needs a proposal first: the evidence has not supported one yet.
  const early = await api("POST", `/autonomy/${WF}/refund`, { decision: "promote", reason: "eager", actor: ADMIN });
  expect(early).toMatchObject({ status: 409, body: { error: { code: "not_proposed" } } });

  // Level 0: even 30 EUR is proposed; each approval and decision records the level it was made at.
  for (const n of ["a", "b", "c"]) {
    const key = await ticket(n, 3_000);
    const done = await decide(key, "approve");
    expect(done.header.outcome).toBe("refunded");
    expect(entries(done, "approval.requested")[0].detail.autonomy).toMatchObject({
      action: "refund",
      level: 0,
      rung: "always ask",
      amount: 3_000,
    });
    expect(entries(done, "human.decision")[0].detail.autonomy).toMatchObject({ action: "refund", level: 0 });
  }

  const proposed = await eventually(
    async () => {
      const r = await refund();
      return r.proposedLevel === 1 ? r : undefined;
    },
    30_000,
    "level 1 proposed",
  );
  expect(proposed.level).toBe(0);
  expect(proposed.current).toMatchObject({ proposals: 3, approved: 3, rejected: 0, agreement: 1 });
  expect(proposed.current.interval.high).toBe(1);
  expect(proposed.changes[0]).toMatchObject({ kind: "proposed", actor: "autonomy-check", fromLevel: 0, toLevel: 1 });

  // Only an admin promotes, and the dashboard's token must name them.
  const anonymous = await api("POST", `/autonomy/${WF}/refund`, { decision: "promote", reason: "evidence holds" });
  expect(anonymous).toMatchObject({ status: 400, body: { error: { code: "actor_required" } } });
  const promoted = await api("POST", `/autonomy/${WF}/refund`, {
    decision: "promote",
    reason: "3 of 3 approved unchanged",
    actor: ADMIN,
    expectedRevision: proposed.revision,
  });
  expect(promoted.status).toBe(200);
  expect(promoted.body.actions[0]).toMatchObject({ level: 1, proposedLevel: null });
  expect(promoted.body.actions[0].changes[0]).toMatchObject({
    kind: "promoted",
    actor: `person:${ADMIN} via dashboard`,
    reason: "3 of 3 approved unchanged",
  });

  // Other instances see a level within the cache's refresh.
  await new Promise((r) => setTimeout(r, REFRESH_MS + 500));
  const small = await ticket("d", 3_000);
  const alone = await settled(small);
  expect(alone.header.status, "refunded 30 without asking anyone").toBe("resolved");
  expect(alone.header.outcome).toBe("refunded");
  expect(alone.decisions).toEqual([]);
  const acted = entries(alone, "autonomy.alone");
  expect(acted).toHaveLength(1);
  expect(acted[0].detail).toMatchObject({ action: "refund", level: 1, rung: "alone up to 50", amount: 3_000 });
  expect(entries(alone, "guardrail.allowed")[0].detail.autonomy).toMatchObject({ level: 1 });

  // Above its rung it still asks; one rejection takes it down a rung at once.
  const large = await ticket("e", 8_000);
  const rejected = await decide(large, "reject");
  expect(rejected.header.outcome).toBe("refund-not-approved");
  expect(entries(rejected, "approval.requested")[0].detail.autonomy).toMatchObject({ level: 1, amount: 8_000 });
  const demoted = await eventually(
    async () => {
      const r = await refund();
      return r.level === 0 ? r : undefined;
    },
    30_000,
    "demoted to level 0",
  );
  expect(demoted.changes[0]).toMatchObject({ kind: "demoted", actor: "autonomy-check", fromLevel: 1, toLevel: 0 });
  expect(demoted.changes[0].reason).toMatch(/rejected/);
  expect(demoted.evidence[1]).toMatchObject({ level: 1, proposals: 1, rejected: 1, alone: 1, agreement: 0 });
  // The level as a KPI dimension: at level 0 every case needed a person; at level 1 one of two resolved alone.
  const byLevel = await eventually(
    async () => {
      const r = await refund();
      return r.evidence[1].kpis.resolved === 2 ? r : undefined;
    },
    30_000,
    "both level-1 cases resolved in the metrics",
  );
  expect(byLevel.evidence[0].kpis).toMatchObject({ cases: 3, resolved: 3, autonomous: 0, autonomousRate: 0 });
  expect(byLevel.evidence[1].kpis).toMatchObject({ cases: 2, resolved: 2, autonomous: 1, autonomousRate: 0.5 });

  await new Promise((r) => setTimeout(r, REFRESH_MS + 500));
  const again = await settled(await ticket("f", 3_000));
  expect(again.wait?.kind, "back on always ask: 30 is proposed again").toBe("human");

  // A refund it made alone is reversed after the fact: recorded, audited with who and why.
  const step = acted[0].stepId;
  const missing = await api("POST", `/autonomy/${WF}/refund/reversals`, {
    caseId: alone.header.caseId,
    step: "triage:refund:nope",
    reason: "customer disputed",
    actor: "ops-ana",
  });
  expect(missing).toMatchObject({ status: 404, body: { error: { code: "outcome_not_found" } } });
  const reversal = await api("POST", `/autonomy/${WF}/refund/reversals`, {
    caseId: alone.header.caseId,
    step,
    reason: "the bank reversed it as a chargeback",
    actor: "ops-ana",
  });
  expect(reversal.status).toBe(200);
  const after = reversal.body.actions[0];
  expect(after.evidence[1]).toMatchObject({ alone: 1, reversed: 1 });
  expect(after.changes[0]).toMatchObject({ kind: "reversed", actor: "person:ops-ana via dashboard", fromLevel: 0 });
  // Said twice, it is one reversal; a rejected proposal never ran and cannot be reversed.
  const twice = await api("POST", `/autonomy/${WF}/refund/reversals`, {
    caseId: alone.header.caseId,
    step,
    reason: "the bank reversed it as a chargeback",
    actor: "ops-ana",
  });
  expect(twice.body.actions[0].changes[0].id).toBe(after.changes[0].id);
  expect(twice.body.actions[0].evidence[1].reversed).toBe(1);
  const rejectedStep = entries(rejected, "approval.requested")[0].detail.autonomy.step;
  const never = await api("POST", `/autonomy/${WF}/refund/reversals`, {
    caseId: rejected.header.caseId,
    step: rejectedStep,
    reason: "undo",
    actor: "ops-ana",
  });
  expect(never).toMatchObject({ status: 409, body: { error: { code: "not_performed" } } });

  const db = openDatabase({ url: stack().libsql.url, authToken: stack().libsql.authToken });
  expect(await verifyAutonomyChanges(db, WF, "refund")).toBeNull();
  const rows = await db.select().from(actionOutcomes);
  expect(
    rows
      .filter((r) => r.workflowId === WF)
      .map((r) => `${r.level}:${r.outcome}`)
      .sort(),
  ).toEqual(["0:approved", "0:approved", "0:approved", "1:alone", "1:rejected", "1:reversed"].sort());
  // The level is a dimension of the raw metrics too: each decision's event names it.
  const decisions = (await db.select().from(metricEvents)).filter(
    (e) => e.workflowId === WF && e.kind === "human.decision",
  );
  expect(decisions.map((e) => (e.detail as any)?.autonomy?.level).sort()).toEqual([0, 0, 0, 1]);
}

const WORKER: Target = { origin: () => stack().worker.url, wf: "refund-autonomy" };

describe("progressive autonomy (wrangler dev, libSQL)", () => {
  it("proposes the next rung after the declared approvals, acts alone once promoted, and drops back on one rejection", async () => {
    await earnedAndLost(WORKER);
  }, 240_000);

  it("lets viewers read the ladder, operators record reversals, and only admins promote or demote", async () => {
    const WF = WORKER.wf;
    const { api } = client(WORKER);
    const db = openDatabase({ url: stack().libsql.url, authToken: stack().libsql.authToken });
    const key = async (role: string, holder: string) =>
      (await createApiKey(db, { name: holder, holder, role, createdBy: "admin" })).key;
    const [viewer, operator, admin] = [
      await key("viewer", "vera"),
      await key("operator", "otto"),
      await key("admin", "ada"),
    ];
    expect((await api("GET", `/autonomy/${WF}`, undefined, viewer)).status).toBe(200);
    const demote = { decision: "demote", reason: "too eager" };
    for (const bearer of [viewer, operator])
      expect(await api("POST", `/autonomy/${WF}/refund`, demote, bearer)).toMatchObject({
        status: 403,
        body: { error: { code: "insufficient_role" } },
      });
    const reversal = { caseId: `${WF}/customer:nobody`, step: "triage:refund:x", reason: "undo" };
    expect(await api("POST", `/autonomy/${WF}/refund/reversals`, reversal, viewer)).toMatchObject({ status: 403 });
    expect(await api("POST", `/autonomy/${WF}/refund/reversals`, reversal, operator)).toMatchObject({
      status: 404,
      body: { error: { code: "outcome_not_found" } },
    });
    // An admin's key acts as its holder; naming someone else is refused. At the first rung there is nothing below.
    expect(await api("POST", `/autonomy/${WF}/refund`, { ...demote, actor: "someone" }, admin)).toMatchObject({
      status: 403,
      body: { error: { code: "actor_not_allowed" } },
    });
    expect(await api("POST", `/autonomy/${WF}/refund`, demote, admin)).toMatchObject({
      status: 409,
      body: { error: { code: "bottom_rung" } },
    });
    expect(await api("GET", "/autonomy/no-such-workflow", undefined, viewer)).toMatchObject({
      status: 404,
      body: { error: { code: "workflow_not_found" } },
    });
    expect(await api("POST", `/autonomy/${WF}/credit`, demote, admin)).toMatchObject({
      status: 404,
      body: { error: { code: "action_not_found" } },
    });
    expect(await api("POST", `/autonomy/${WF}/refund`, { decision: "skip", reason: "x" }, admin)).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_autonomy" } },
    });
  });

  describe("on Deno", () => {
    let deno: Service | undefined;
    beforeAll(async () => {
      deno = await startDenoServer({
        dataDir: stack().dataDir,
        libsqlUrl: stack().libsql.url,
        libsqlAuthToken: stack().libsql.authToken,
        simulatorsUrl: stack().simulators.url,
        entry: join(ROOT, "test/e2e/autonomy-deno.ts"),
        quiet: true,
      });
    }, 90_000);
    afterAll(async () => {
      await deno?.stop();
    });

    it("earns and loses the same rung, its evidence written by Deno's own metrics writer", async () => {
      await earnedAndLost({ origin: () => deno!.url, wf: "refund-autonomy-deno" });
    }, 240_000);
  });
});
