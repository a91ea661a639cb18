/**
 * The metrics pipeline end to end on the real stack (wrangler dev with its local queue, libSQL endpoint,
 * simulators): demo traffic while the libSQL endpoint is down for 60 s, then `npm run kpi:verify` finds the
 * dashboard's figures equal to the case records', and every metric event arrived exactly once (each case's events
 * numbered 1..n, each once, the writer's mark at n).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client.ts";
import { type TallyGroup, tallyFromRawEvents, tallyFromRollups, valueFromRollups } from "../../db/kpi/index.ts";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { readDemoManifest } from "../../scripts/kpi-verify.ts";
import { ROOT, type Service, startLibsqlService } from "../../scripts/stack.ts";
import { runDemo, useStack } from "../support/stack.ts";

const stack = useStack("metrics");
let restarted: Service | undefined;
afterAll(async () => {
  await restarted?.stop();
});

const OUTAGE_MS = 60_000;
const apiToken = firstSecret(devVar("CROSSFLOW_API_TOKEN"));
const sorted = (groups: TallyGroup[]) =>
  groups
    .map((g) => ({
      ...g,
      tally: { ...g.tally, ttr: [...g.tally.ttr].sort(), exceptions: [...g.tally.exceptions].sort() },
    }))
    .sort((a, b) => `${a.workflowId}${a.version}${a.day}`.localeCompare(`${b.workflowId}${b.version}${b.day}`));

describe("metrics pipeline on the local stack", () => {
  it("loses and duplicates nothing through a 60 s libSQL outage under demo traffic; kpi:verify finds 0 mismatches", async () => {
    const s = stack();
    const manifest = join(s.dataDir, "demo-cases.jsonl");
    process.env.CROSSFLOW_DEMO_MANIFEST = manifest;
    const port = Number(new URL(s.libsql.url).port);

    await s.libsql.stop();
    const outageOver = Date.now() + OUTAGE_MS;
    const demo = runDemo(s, ["--cases", "40"]);
    await new Promise((r) => setTimeout(r, outageOver - Date.now()));
    restarted = await startLibsqlService({ port, dataDir: s.dataDir, authToken: s.libsql.authToken, quiet: true });
    const summary = await demo;
    expect(summary.opened).toBe(40);
    expect(summary.inFlight).toBe(0);
    // Nothing parked: every batch got through inside the queue's retries.
    const parked = await fetch(`${s.worker.url}/api/dead-letters?source=metrics&status=all`, {
      headers: { authorization: `Bearer ${apiToken}` },
    });
    expect(await parked.json()).toMatchObject({ deadLetters: [] });

    // The script itself, as an operator runs it.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/kpi-verify.ts", "--settle", "90"],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          WORKER_URL: s.worker.url,
          TURSO_DATABASE_URL: s.libsql.url,
          TURSO_AUTH_TOKEN: s.libsql.authToken,
          CROSSFLOW_DEMO_MANIFEST: manifest,
        },
        timeout: 150_000,
      },
    );
    expect(stdout).toContain("40 cases recounted");
    expect(stdout).toContain("0 mismatches");
    // The business results were recounted too (and equal the value rollups, or the script would have failed).
    expect(stdout).toContain("Business results (value measures), recounted:");

    const db = openDatabase({ url: s.libsql.url, authToken: s.libsql.authToken });
    // Exactly once: one opening and at most one ending per case, and the raw log tells the same story as the rollups.
    const perCase = await db.all<{ case_id: string; opened: number; ended: number }>(
      sql`SELECT case_id, sum(kind = 'case.opened') AS opened, sum(kind IN ('case.resolved', 'case.failed')) AS ended FROM metric_events GROUP BY case_id`,
    );
    expect(perCase).toHaveLength(readDemoManifest(manifest).length);
    expect(perCase.every((r) => Number(r.opened) === 1 && Number(r.ended) <= 1)).toBe(true);
    // Numbered by each case's outbox: every case's events are 1..n, each once, and its mark stands at n.
    const broken = await db.all(
      sql`SELECT e.case_id, count(*) AS n, count(DISTINCT e.seq) AS distinct_seqs, min(e.seq) AS low, max(e.seq) AS high, m.seq AS mark
          FROM metric_events e LEFT JOIN metric_sequences m USING (case_id) GROUP BY e.case_id
          HAVING n <> distinct_seqs OR low <> 1 OR high <> n OR mark IS NOT high`,
    );
    expect(broken).toEqual([]);
    const range = { fromDay: 0, toDay: 1_000_000 };
    // Both demo workflows are measured; onboarding's started subscriptions bring revenue. (Refunds during the outage
    // may all wait on the policy store, so the amount refunded is asserted by the refund e2e and the browser test.)
    const value = await valueFromRollups(db, range);
    expect(value.filter((t) => t.workflowId === "refund-dispute").reduce((n, t) => n + t.cases, 0)).toBeGreaterThan(0);
    expect(
      value.some((t) => t.workflowId === "customer-onboarding" && t.succeeded > 0 && t.money.some((m) => m.minor > 0)),
    ).toBe(true);
    expect(sorted(await tallyFromRawEvents(db, range, ["workflow", "version", "day"]))).toEqual(
      sorted(await tallyFromRollups(db, range, ["workflow", "version", "day"])),
    );
  }, 300_000);
});
