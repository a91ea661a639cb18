/**
 * The case list's `counted` filters against the KPI module over a real libSQL file: for every figure the overview,
 * workflow and readiness pages link from, the list over the same opened days counts exactly the figure (the rollup
 * triggers and the list read the same case rows), and "waiting on a person" counts pending approvals too.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetricsDatabase, openDatabase } from "../../../../db/client.ts";
import { kpisOf, tallyFromRollups } from "../../../../db/kpi/index.ts";
import { startLibsqlServer } from "../../../../db/local-server/server.ts";
import { applyMigrations } from "../../../../db/migrate.ts";
import { type CaseStatus, cases } from "../../../../db/schema.ts";
import { casesHref } from "../drill.ts";
import { type CaseFilters, type COUNTED_NAMES, listCases, parseFilters } from "./case-list.ts";
import { hourlySeries } from "./hourly.ts";
import { DAY_MS, openCaseAges, waitingOnPerson } from "./kpis.ts";

const dir = mkdtempSync(join(tmpdir(), "crossflow-case-list-"));
let db: MetricsDatabase;
let server: Awaited<ReturnType<typeof startLibsqlServer>>;
const TODAY = 20_400;
const NOW = TODAY * DAY_MS + 12 * 3_600_000;

/** A deterministic spread of cases over 10 days, two workflows and two versions, every status and fact. */
function caseRows() {
  const statuses: CaseStatus[] = ["open", "running", "waiting", "escalated", "resolved", "resolved", "failed"];
  return Array.from({ length: 140 }, (_, i) => {
    const status = statuses[i % statuses.length]!;
    const openedAt = (TODAY - (i % 10)) * DAY_MS + (i % 7) * 3_600_000;
    const humanTouch = i % 3 === 0;
    return {
      caseId: `${i % 2 ? "refund-dispute" : "customer-onboarding"}/k${i}`,
      caseKey: `k${i}`,
      workflowId: i % 2 ? "refund-dispute" : "customer-onboarding",
      workflowVersion: 1 + (i % 4 === 0 ? 1 : 0),
      status,
      openedAt,
      updatedAt: openedAt + 60_000,
      closedAt: status === "resolved" || status === "failed" ? openedAt + (i % 5) * 600_000 : null,
      outcome: status === "resolved" ? "done" : null,
      humanTouch,
      escalated: status === "escalated" || i % 5 === 0,
      errored: status === "failed" || i % 11 === 0,
      exception: i % 4 === 1 ? "approval" : i % 6 === 0 ? "no-reply" : null,
      handedToPerson: status === "escalated" || i % 5 === 0 || (status === "waiting" && i % 2 === 0),
      // Pending approvals are `waiting` cases parked on a person: the rollups' awaiting_human misses them.
      awaitingPerson: status === "escalated" || (status === "waiting" && i % 2 === 0),
      slaBreaches: i % 9 === 0 ? 1 : 0,
    };
  });
}

beforeAll(async () => {
  const file = join(dir, "metrics.db");
  await applyMigrations({ url: pathToFileURL(file).href });
  server = await startLibsqlServer({ file });
  db = openDatabase({ url: server.url });
  await db.insert(cases).values(caseRows());
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The list's filters as a figure's link writes them. */
const filtersOf = (href: string): CaseFilters => {
  const { filters, invalid } = parseFilters(new URL(href, "http://x").searchParams);
  expect(invalid).toEqual([]);
  return filters;
};
const listed = async (href: string) => (await listCases(db, filtersOf(href))).total;

describe("case list counted as the figures count", () => {
  const periods = [
    { fromDay: TODAY - 9, toDay: TODAY },
    { fromDay: TODAY - 3, toDay: TODAY - 1 },
  ];
  for (const period of periods) {
    for (const workflow of ["refund-dispute", "customer-onboarding"]) {
      for (const version of [undefined, 1, 2]) {
        it(`matches every figure of ${workflow}${version ? ` v${version}` : ""}, days ${period.fromDay}–${period.toDay}`, async () => {
          const filter = { ...period, workflowId: workflow, version };
          const [[group], waiting, ages] = await Promise.all([
            tallyFromRollups(db, filter),
            waitingOnPerson(db, filter),
            openCaseAges(db, filter, NOW),
          ]);
          const t = group!.tally;
          const k = kpisOf(t);
          const href = (counted?: (typeof COUNTED_NAMES)[number], exception?: string) =>
            casesHref({ period, workflow, version, counted, exception });
          expect(await listed(href())).toBe(k.casesOpened);
          expect(await listed(href("autonomous"))).toBe(k.resolvedAutonomously);
          expect(await listed(href("with-help"))).toBe(k.resolvedWithHelp);
          expect(await listed(href("resolved"))).toBe([...t.ttr.values()].reduce((a, b) => a + b, 0));
          expect(await listed(href("escalated"))).toBe(k.escalated);
          expect(await listed(href("errored"))).toBe(t.errored);
          expect(await listed(href("failed"))).toBe(k.failed);
          expect(await listed(href("in-flight"))).toBe(k.inProgress);
          expect(await listed(href("in-flight"))).toBe(ages.open);
          expect(await listed(href("exception"))).toBe(t.withException);
          expect(await listed(href("handed-to-person"))).toBe(k.handedToPerson);
          expect(await listed(href("sla-breached"))).toBe(k.slaBreached);
          for (const e of k.exceptionMix) expect(await listed(href(undefined, e.type))).toBe(e.cases);
          const withPerson = [...(waiting.get(workflow)?.values() ?? [])].reduce((a, b) => a + b, 0);
          expect(await listed(href("waiting-person"))).toBe(withPerson);
          // Approvals pending count: more than the rollups' escalated-only figure whenever one is waiting.
          expect(withPerson).toBeGreaterThanOrEqual(k.awaitingHuman);
        });
      }
    }
  }

  it("says 'waiting on a person' for pending approvals as well as escalations, as the inbox does", async () => {
    const all = caseRows().filter((c) => c.awaitingPerson);
    expect(all.some((c) => c.status === "waiting")).toBe(true);
    expect(await listed("/cases?counted=waiting-person")).toBe(all.length);
  });

  it("ages the open cases by nearest rank, as the KPIs' percentiles", async () => {
    const open = caseRows()
      .filter((c) => c.status !== "resolved" && c.status !== "failed")
      .map((c) => Math.floor((NOW - c.openedAt) / 60_000))
      .sort((a, b) => a - b);
    const ages = await openCaseAges(db, { fromDay: 0, toDay: TODAY }, NOW);
    expect(ages).toEqual({
      open: open.length,
      medianMinutes: open[Math.ceil(open.length / 2) - 1],
      oldestMinutes: open.at(-1),
    });
  });

  it("splits a short period into hours that add up to the rollups' days", async () => {
    const filter = { fromDay: TODAY - 1, toDay: TODAY, workflowId: "refund-dispute" };
    const [points, days, waiting] = await Promise.all([
      hourlySeries(db, filter),
      tallyFromRollups(db, filter, ["day"], {}),
      waitingOnPerson(db, filter),
    ]);
    expect(points).toHaveLength(48);
    expect(points[1]!.start - points[0]!.start).toBe(3600);
    for (const day of days) {
      const hours = points.filter((p) => p.day === day.day);
      const sum = (key: "opened" | "resolvedAutonomous" | "resolvedHuman" | "failed" | "awaitingHuman") =>
        hours.reduce((total, p) => total + p[key], 0);
      expect({
        opened: sum("opened"),
        resolvedAutonomous: sum("resolvedAutonomous"),
        resolvedHuman: sum("resolvedHuman"),
        failed: sum("failed"),
        withPerson: sum("awaitingHuman"),
      }).toEqual({
        opened: day.tally.opened,
        resolvedAutonomous: day.tally.resolvedAutonomous,
        resolvedHuman: day.tally.resolvedHuman,
        failed: day.tally.failed,
        withPerson: waiting.get("refund-dispute")?.get(day.day!) ?? 0,
      });
    }
  });

  it("ignores a counted value it does not know, and says so", () => {
    expect(parseFilters(new URLSearchParams("counted=everything&workflow=a"))).toEqual({
      filters: { workflow: "a" },
      invalid: ["counted"],
    });
  });
});
