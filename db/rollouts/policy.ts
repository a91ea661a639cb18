/**
 * A workflow's rollout policy: which version opens what share of new cases, which version is the candidate under
 * watch, the guards that halt it, and the steps it is promoted through. Validated with zod wherever a policy is
 * written (case API, `npm run rollout`, the dashboard); the worker reads only validated rows.
 */
import { z } from "zod";

/** What a guard can watch: the version comparison's KPIs (db/kpi/compare.ts) plus people's rejections of proposals. */
export const GUARD_METRICS = [
  "errorRate",
  "escalationRate",
  "rejectionRate",
  "slaBreachRate",
  "medianMinutesToResolution",
] as const;
export type GuardMetric = (typeof GUARD_METRICS)[number];

export const GUARD_LABELS: Record<GuardMetric, string> = {
  errorRate: "Error rate",
  escalationRate: "Escalation rate",
  rejectionRate: "Rejected proposals",
  slaBreachRate: "SLA breach rate",
  medianMinutesToResolution: "Median time to resolution",
};

export const ROLLOUT_STATES = ["steady", "canary", "halted", "awaiting-approval"] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

const version = z.number().int().positive();

export const GuardSchema = z
  .object({
    metric: z.enum(GUARD_METRICS),
    /**
     * How much worse than the baseline the candidate may be before it is halted: for rates, a share (0.05 = five
     * percentage points); for time to resolution, minutes. The candidate is halted only when the 95 % interval of
     * the difference lies wholly beyond this limit, with at least `minimumSample` cases on each side.
     */
    maxWorseBy: z.number().min(0).max(10_000),
  })
  .strict();
export type Guard = z.infer<typeof GuardSchema>;

export const RolloutPolicySchema = z
  .object({
    /** The version the candidate is measured against (the one in force before the rollout). */
    baseline: version,
    /** The version being rolled out; null when one version takes everything. */
    candidate: version.nullable().default(null),
    /** Share of new cases per version, in percent (two decimals), summing to 100; a version not listed gets none. */
    shares: z
      .array(z.object({ version, percent: z.number().min(0).max(100).multipleOf(0.01) }).strict())
      .min(1)
      .max(10),
    guards: z.array(GuardSchema).max(GUARD_METRICS.length).default([]),
    /** Cases each version needs (per guard's sample) before a guard may halt or a step may be passed. */
    minimumSample: z.number().int().min(1).max(1_000_000).default(30),
    /** The candidate's shares in order, e.g. 10 → 50 → 100 %; the last step hands it every new case. */
    steps: z.array(z.number().gt(0).max(100)).min(1).max(10).default([10, 50, 100]),
    /** `automatic`: the scheduled check moves to the next step; `approval`: it proposes, an admin promotes. */
    promotion: z.enum(["automatic", "approval"]).default("approval"),
    /** Who hears of a halt or a proposed promotion: Slack channels and email addresses. */
    notify: z
      .object({
        slack: z
          .array(z.string().regex(/^[#@]?[\w.-]{1,80}$/))
          .max(10)
          .default([]),
        email: z.array(z.email()).max(10).default([]),
      })
      .strict()
      .default({ slack: [], email: [] }),
    state: z.enum(ROLLOUT_STATES).default("steady"),
  })
  .strict()
  .superRefine((p, ctx) => {
    const total = p.shares.reduce((sum, s) => sum + s.percent, 0);
    if (Math.abs(total - 100) > 1e-6)
      ctx.addIssue({ code: "custom", path: ["shares"], message: `shares add up to ${total} %, not 100 %` });
    const versions = p.shares.map((s) => s.version);
    if (new Set(versions).size !== versions.length)
      ctx.addIssue({ code: "custom", path: ["shares"], message: "a version is listed twice" });
    if (!versions.includes(p.baseline))
      ctx.addIssue({ code: "custom", path: ["baseline"], message: `baseline v${p.baseline} has no share entry` });
    if (p.candidate !== null && p.candidate === p.baseline)
      ctx.addIssue({ code: "custom", path: ["candidate"], message: "the candidate cannot be the baseline" });
    if (p.candidate !== null && !versions.includes(p.candidate))
      ctx.addIssue({ code: "custom", path: ["candidate"], message: `candidate v${p.candidate} has no share entry` });
    if (p.steps.some((s, i) => i > 0 && s <= p.steps[i - 1]!))
      ctx.addIssue({ code: "custom", path: ["steps"], message: "steps must rise" });
    if (p.candidate === null && p.state !== "steady")
      ctx.addIssue({
        code: "custom",
        path: ["state"],
        message: `a policy without a candidate is steady, not ${p.state}`,
      });
    // The state says whether the guards watch: a candidate taking cases is always watched, one at 0 % is halted.
    const share = p.shares.find((s) => s.version === p.candidate)?.percent ?? 0;
    if (p.candidate !== null && share > 0 && p.state !== "canary" && p.state !== "awaiting-approval")
      ctx.addIssue({
        code: "custom",
        path: ["state"],
        message: `v${p.candidate} takes ${share} % of new cases, so its guards must watch it: state canary, not ${p.state}`,
      });
    if (p.candidate !== null && share === 0 && p.state !== "halted")
      ctx.addIssue({
        code: "custom",
        path: ["state"],
        message: `v${p.candidate} takes no new case: state halted, not ${p.state}`,
      });
  });
export type RolloutPolicy = z.infer<typeof RolloutPolicySchema>;
export type RolloutPolicyInput = z.input<typeof RolloutPolicySchema>;

/** A change that cannot be made as asked (bad policy, stale revision, a share that does not fit): safe to show. */
export class RolloutError extends Error {
  override name = "RolloutError";
  constructor(
    readonly code:
      | "invalid_policy"
      | "stale_revision"
      | "no_policy"
      | "no_candidate"
      | "unknown_version"
      | "invalid_share",
    message: string,
  ) {
    super(message);
  }
}

/** The candidate's share now (0 when there is none). */
export const candidateShare = (p: RolloutPolicy): number =>
  p.candidate === null ? 0 : (p.shares.find((s) => s.version === p.candidate)?.percent ?? 0);

/**
 * The policy with the candidate at `percent` and the baseline taking what the candidate gives up (other versions
 * keep theirs). At 100 % the candidate becomes the baseline and the rollout is over.
 * @example withCandidateShare(policy, 50).shares // → [{ version: 2, percent: 50 }, { version: 3, percent: 50 }]
 */
export function withCandidateShare(p: RolloutPolicy, percent: number, state?: RolloutState): RolloutPolicy {
  if (p.candidate === null) throw new RolloutError("no_candidate", "the policy has no candidate version");
  const candidate = p.candidate;
  // 100 % hands the candidate every new case, other versions' shares included: it becomes the baseline.
  if (percent >= 100)
    return {
      ...p,
      baseline: candidate,
      candidate: null,
      shares: [{ version: candidate, percent: 100 }],
      state: "steady",
    };
  const others = p.shares.filter((s) => s.version !== candidate && s.version !== p.baseline);
  const rest = others.reduce((sum, s) => sum + s.percent, 0);
  const baselinePercent = Math.round((100 - rest - percent) * 100) / 100;
  if (baselinePercent < 0)
    throw new RolloutError(
      "invalid_share",
      `${percent} % for v${candidate} is more than v${p.baseline} holds: other versions keep ${rest} %`,
    );
  const shares = [{ version: p.baseline, percent: baselinePercent }, ...others, { version: candidate, percent }].filter(
    (s) => s.percent > 0 || s.version === p.baseline || s.version === candidate,
  );
  return { ...p, shares, state: state ?? (percent > 0 ? "canary" : "halted") };
}

/** The next step above the candidate's share, or null at the last one. */
export function nextStep(p: RolloutPolicy): number | null {
  const now = candidateShare(p);
  return p.steps.find((s) => s > now + 1e-9) ?? null;
}
