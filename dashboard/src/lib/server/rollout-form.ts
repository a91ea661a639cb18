/**
 * The Rollouts page's forms as the worker's API takes them: a person's form fields (percentages, percentage points,
 * comma-separated lists) into a validated policy and the reason and revision every change carries. The
 * policy is checked here with the same zod schema the worker uses, so a typo is named next to the form at once;
 * the worker checks it again (and is the only one that writes it).
 */
import type { z } from "zod";
// A relative path, not `$db`: the unit tests load this module outside Vite.
import {
  GUARD_METRICS,
  type GuardMetric,
  type RolloutPolicy,
  RolloutPolicySchema,
} from "../../../../db/rollouts/policy.ts";

/** Guards on rates take a limit in percentage points; time to resolution in minutes. */
export const guardUnit = (metric: GuardMetric): "pp" | "min" => (metric === "medianMinutesToResolution" ? "min" : "pp");

export interface ChangeFields {
  reason: string;
  expectedRevision: number;
}

/** The two fields every change carries: why (required) and the revision the person saw. */
export function changeFields(form: FormData): ChangeFields | string {
  const reason = String(form.get("reason") ?? "").trim();
  if (reason.length < 3) return "Say why (a reason of at least 3 characters): it is kept in the change history.";
  if (reason.length > 500) return "Keep the reason under 500 characters.";
  // An empty field would read as revision 0 (Number("") is 0) and could overwrite a policy someone else just set.
  const raw = String(form.get("expectedRevision") ?? "");
  if (!/^\d{1,9}$/.test(raw)) return "The form lost the policy's revision: reload the page.";
  const expectedRevision = Number(raw);
  return { reason, expectedRevision };
}

const list = (raw: FormDataEntryValue | null) =>
  String(raw ?? "")
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

const numberOf = (raw: FormDataEntryValue | null): number => {
  const text = String(raw ?? "").trim();
  return text === "" ? Number.NaN : Number(text);
};

/**
 * The policy the form describes, or the reasons it is not a valid one. `previous` keeps the state of a candidate
 * already under way (a canary awaiting approval stays so when only its guards or notify list change).
 * @example const parsed = policyFromForm(await request.formData(), [2, 1], view.policy);
 */
export function policyFromForm(
  form: FormData,
  versions: readonly number[],
  previous: RolloutPolicy | null,
): { policy: RolloutPolicy } | { error: string } {
  const candidateRaw = String(form.get("candidate") ?? "");
  const candidate = candidateRaw === "" ? null : Number(candidateRaw);
  const shares = versions
    .map((version) => ({ version, percent: numberOf(form.get(`share-${version}`)) }))
    .filter((s) => !(Number.isNaN(s.percent) || (s.percent === 0 && s.version !== candidate)));
  const guards = GUARD_METRICS.filter((m) => form.get(`guard-${m}`) === "on").map((metric) => {
    const limit = numberOf(form.get(`limit-${metric}`));
    return { metric, maxWorseBy: guardUnit(metric) === "pp" ? limit / 100 : limit };
  });
  const candidateShare = shares.find((s) => s.version === candidate)?.percent ?? 0;
  const keeps = previous && previous.candidate === candidate && candidateShare > 0 && previous.state !== "halted";
  const draft = {
    baseline: Number(form.get("baseline")),
    candidate,
    shares,
    guards,
    minimumSample: numberOf(form.get("minimumSample")),
    steps: list(form.get("steps")).map(Number),
    promotion: String(form.get("promotion") ?? ""),
    notify: { slack: list(form.get("slack")), email: list(form.get("email")) },
    state: candidate === null ? "steady" : keeps ? previous.state : candidateShare > 0 ? "canary" : "halted",
  };
  const parsed = RolloutPolicySchema.safeParse(draft);
  if (parsed.success) return { policy: parsed.data };
  return { error: parsed.error.issues.map(describeIssue).join(" ") };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const [field, index] = issue.path;
  const names: Record<string, string> = {
    baseline: "Baseline",
    candidate: "Candidate",
    shares: "Shares",
    guards: "Guards",
    minimumSample: "Minimum sample",
    steps: "Steps",
    promotion: "Promotion",
    notify: "Notify",
  };
  let where = names[String(field)] ?? String(field ?? "Policy");
  if (field === "guards" && typeof index === "number") where = `Guard ${index + 1}`;
  if (field === "notify") where = issue.path[1] === "email" ? "Notify by email" : "Notify on Slack";
  return `${where}: ${issue.message}.`;
}
