/**
 * The readiness page per version: a workflow's verdict mixed every version's cases, so a good new version hid
 * behind an old one's figures (and the reverse). Each version is checked against the thresholds on its own cases,
 * the headline verdict is the newest version's (the one an expansion would ship), and the newest version is
 * compared with the one before it with intervals and verdicts (db/kpi/compare.ts). The factors that say whether a
 * workflow needs agents at all stay per workflow: they describe the work, not a version.
 */
// Relative paths like kpis.ts: this module is plain TypeScript over db/ and the catalogue.
import type { MetricsDatabase } from "../../../../db/client.ts";
import { emptyTally, kpisOf, type Tally, tallyFromRollups } from "../../../../db/kpi/index.ts";
import { assessReadiness, type Readiness, type ReadinessThresholds } from "../../../../db/kpi/readiness.ts";
import { policyChangesByWorkflow } from "../../../../db/policies.ts";
import { CATALOGUE } from "../../../../workers/workflows/catalogue.ts";
import { type Period, type VersionComparison, versionComparisons } from "./kpis.ts";

export interface VersionReadiness {
  version: number;
  /** Cases the version opened in the period: the sample its checks rest on. */
  cases: number;
  /** Whether the workflow catalogue lists the version as deployed (an old version may still have cases). */
  deployed: boolean;
  readiness: Readiness;
  /** The cases behind each check's figure, by check name (what the case list shows when the check is clicked). */
  behind: Record<string, number>;
}

/** Each threshold check (db/kpi/readiness.ts) and the cases its figure counts. */
const behindChecks = (tally: Tally): Record<string, number> => ({
  "cases measured": tally.opened,
  "autonomous resolution rate": tally.resolvedAutonomous,
  "escalation rate": tally.escalated,
  "error rate": tally.errored,
});

export interface WorkflowReadiness {
  workflowId: string;
  /** The whole workflow's assessment; its factors (does it need agents?) are the page's per-workflow part. */
  workflow: Readiness;
  /** Each version with cases in the period or deployed, newest first; the first one's verdict is the headline. */
  versions: VersionReadiness[];
  /** The newest version with cases against the one before it (at most one pair), empty with a single version. */
  comparison: VersionComparison[];
}

/**
 * @example
 * const cards = await readinessByVersion(metricsDb(), periodOf(url), (id) => saved.get(id) ?? DEFAULT_THRESHOLDS);
 */
export async function readinessByVersion(
  db: MetricsDatabase,
  period: Period,
  thresholdsOf: (workflowId: string) => ReadinessThresholds,
): Promise<WorkflowReadiness[]> {
  const DAY = 86_400_000;
  const [workflows, versions, policyChanges] = await Promise.all([
    tallyFromRollups(db, period, ["workflow"]),
    tallyFromRollups(db, period, ["workflow", "version"], { ttr: true }),
    policyChangesByWorkflow(db, period.fromDay * DAY, (period.toDay + 1) * DAY),
  ]);
  return workflows
    .filter((g) => g.tally.opened > 0)
    .map((g) => {
      const workflowId = g.workflowId!;
      const thresholds = thresholdsOf(workflowId);
      const measured = new Map<number, Tally>(
        versions.filter((v) => v.workflowId === workflowId && v.tally.opened > 0).map((v) => [v.version!, v.tally]),
      );
      const catalogued = CATALOGUE.filter((w) => w.id === workflowId);
      const systems = catalogued.at(-1)?.systems ?? [];
      const inputProblems = catalogued.at(-1)?.inputProblems;
      const exceptionWords = catalogued.at(-1)?.exceptionWords;
      const deployed = new Set(catalogued.map((w) => w.version));
      const all = [...new Set([...measured.keys(), ...deployed])].sort((a, b) => b - a);
      // Policy changes describe the workflow's rules, not one version: the workflow's factors count them.
      const assess = (tally: Tally, versionsInPeriod: number, policyChangesInPeriod = 0) =>
        assessReadiness(
          {
            kpis: kpisOf(tally),
            days: period.days,
            versionsInPeriod,
            policyChangesInPeriod,
            systems,
            inputProblems,
            exceptionWords,
          },
          thresholds,
        );
      const perVersion = all.map((version) => {
        const tally = measured.get(version) ?? emptyTally();
        return {
          version,
          cases: tally.opened,
          deployed: deployed.has(version),
          readiness: assess(tally, 1),
          behind: behindChecks(tally),
        };
      });
      // The newest measured version against the one measured before it: the step an expansion decides on.
      const [newest, before] = [...measured.keys()].sort((a, b) => b - a);
      const comparison =
        newest !== undefined && before !== undefined
          ? versionComparisons([
              { version: before, tally: measured.get(before)! },
              { version: newest, tally: measured.get(newest)! },
            ])
          : [];
      return {
        workflowId,
        workflow: assess(g.tally, measured.size, policyChanges.get(workflowId) ?? 0),
        // A version deployed after the period's last case has no cases yet: listed, but not the headline.
        versions: perVersion,
        comparison,
      };
    })
    .sort((a, b) => a.workflowId.localeCompare(b.workflowId));
}

/** The version whose verdict heads the card: the newest one with cases in the period. */
export const headline = (w: WorkflowReadiness): VersionReadiness | undefined => w.versions.find((v) => v.cases > 0);
