/**
 * Versions compared pairwise, as the workflow page, the readiness page and the case API show them.
 */
import { compareVersions, DEFAULT_MINIMUM_SAMPLE, type KpiComparison } from "./compare.ts";
import type { Tally } from "./definitions.ts";

/** One version measured against another over the period: "is v3 better than v2, and may it take more traffic?". */
export interface VersionComparison {
  baseline: number;
  candidate: number;
  /** `previous`: the version before the candidate; `most cases`: the version with the most cases in the period. */
  against: "previous" | "most cases";
  baselineCases: number;
  candidateCases: number;
  minimumSample: number;
  kpis: KpiComparison[];
}

/**
 * Each version against the one before it (the step a manager decides on), and also against the version with the
 * most cases when that is neither the candidate nor its predecessor (the settled version it would take traffic from).
 */
export function versionComparisons(
  versions: { version: number; tally: Tally }[],
  minimumSample = DEFAULT_MINIMUM_SAMPLE,
): VersionComparison[] {
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  const most = sorted.reduce<(typeof sorted)[number] | undefined>(
    (best, v) => (!best || v.tally.opened > best.tally.opened ? v : best),
    undefined,
  );
  const pair = (
    baseline: (typeof sorted)[number],
    candidate: (typeof sorted)[number],
    against: VersionComparison["against"],
  ) => ({
    baseline: baseline.version,
    candidate: candidate.version,
    against,
    baselineCases: baseline.tally.opened,
    candidateCases: candidate.tally.opened,
    minimumSample,
    kpis: compareVersions(baseline.tally, candidate.tally, { minimumSample }),
  });
  return sorted.slice(1).flatMap((candidate, i) => {
    const previous = sorted[i]!;
    const out: VersionComparison[] = [pair(previous, candidate, "previous")];
    if (most && most !== previous && most !== candidate) out.push(pair(most, candidate, "most cases"));
    return out;
  });
}
