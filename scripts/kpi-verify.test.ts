/**
 * kpi:verify reads the cases the database knows and the rollups at one moment (`readAtRest`), against a real libSQL
 * endpoint: a case reported between the two reads (as the demo's trickle does during a long verify) makes it read
 * both again instead of comparing a list without the case to rollups that count it.
 */
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { MetricsDatabase } from "../db/client.ts";
import { seededRandom, syntheticCase } from "../db/kpi/synthetic.ts";
import { useMigratedDatabase } from "../test/support/libsql-server.ts";
import { writeMetricBatches } from "../workers/metrics/index.ts";
import { readAtRest } from "./kpi-verify.ts";

const database = useMigratedDatabase("kpi-verify");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

const reported = (i: number) =>
  syntheticCase({
    workflowId: "refunds",
    version: 1,
    caseKey: `r-${i}`,
    openedAt: Date.UTC(2026, 9, 1) + i * 60_000,
    scenario: "autonomous",
    measures: { minutesPerCase: 20 },
    random: seededRandom(i),
  }).batches;

/** The case list's length and the rollups' count of opened cases, read one after the other. */
async function listAndRollups(read: MetricsDatabase, between: () => Promise<void>) {
  const [{ listed }] = (await read.all<{ listed: number }>(sql`SELECT count(*) AS listed FROM cases`)) as [
    { listed: number },
  ];
  await between();
  const [{ opened }] = (await read.all<{ opened: number }>(
    sql`SELECT coalesce(sum(opened), 0) AS opened FROM daily_rollups`,
  )) as [{ opened: number }];
  return { listed, opened };
}

describe("readAtRest", () => {
  it("reads again when a case is reported while it reads, and returns a read in which list and rollups agree", async () => {
    for (let i = 0; i < 3; i++) await writeMetricBatches(db, reported(i));
    let reads = 0;
    const read = await readAtRest(db, (d) =>
      listAndRollups(d, async () => {
        // The first read is overtaken by a writer: a new case lands between the list and the rollups.
        if (++reads === 1) await writeMetricBatches(db, reported(3));
      }),
    );
    expect(reads).toBe(2);
    expect(read).toEqual({ listed: 4, opened: 4 });
    // Without the check, the first read is what a verify would have compared: a list one case short of the rollups.
    let raced = 0;
    expect(
      await listAndRollups(db, async () => {
        if (++raced === 1) await writeMetricBatches(db, reported(4));
      }),
    ).toEqual({ listed: 4, opened: 5 });
  });

  it("reads once when nothing moves", async () => {
    let reads = 0;
    const read = await readAtRest(db, (d) =>
      listAndRollups(d, async () => {
        reads++;
      }),
    );
    expect(reads).toBe(1);
    expect(read.listed).toBe(read.opened);
  });
});
