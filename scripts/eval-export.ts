/**
 * `npm run eval:export -- <workflow>`: turns people's decisions on real cases into labelled golden cases
 * (evals/<workflow>.labelled.json), which `npm run eval` then judges beside the fixtures. A case qualifies when a
 * person resolved its agent step's escalation (its outcome label, mapped through the golden file's `labels`), carried
 * out its proposal (the agent's own decision), or approved / rejected an action the agent proposed. The case's opening event and the Stripe charges it read become
 * the golden case's event and seed. Reads the case list from the metrics database and each case from the case API.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createClient } from "@libsql/client/web";
import type { CaseView } from "../workers/case/runtime.ts";
import { devVar, firstSecret } from "./dev-vars.ts";
import type { GoldenCase, GoldenFile } from "./eval.ts";
import { ROOT } from "./stack.ts";

const isCharge = (v: unknown): v is { id: string; amount: number; currency: string; amount_refunded: number } =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as { id?: unknown }).id === "string" &&
  (v as { id: string }).id.startsWith("ch_") &&
  typeof (v as { amount?: unknown }).amount === "number";

/** What the agent step `stepId` decided, from its recorded transcript. */
function agentDecision(view: CaseView, stepId: string): string | null {
  const output = view.steps.find((s) => s.id === stepId && s.kind === "agent")?.output as
    | { decision?: { decision?: unknown } | null }
    | undefined;
  return typeof output?.decision?.decision === "string" ? output.decision.decision : null;
}

/** The labelled golden case a decided case makes, or null when no person decided its agent step. */
export function labelledCase(view: CaseView, golden: Pick<GoldenFile, "agentSteps" | "labels">): GoldenCase | null {
  if (!view.opener) return null;
  let expected: string | null = null;
  for (const d of view.decisions) {
    const step = golden.agentSteps.find((id) => d.stepId === `${id}:escalate` || d.stepId.startsWith(`${id}:approve:`));
    if (!step) continue;
    if (d.decision === "resolve") expected = golden.labels?.[d.outcome ?? ""] ?? "escalate";
    // Carrying out the unsure agent's proposal says its decision was the right one.
    if (d.decision === "carry-out") expected = agentDecision(view, step) ?? expected;
    if (d.decision === "approve") expected = "refund";
    if (d.decision === "reject") expected = "deny";
  }
  if (!expected) return null;
  const charges = view.steps.map((s) => s.output).filter(isCharge);
  return {
    name: `labelled: ${view.header.caseId}`,
    event: view.opener,
    ...(charges.length
      ? {
          seed: {
            stripeCharges: charges.map((c) => ({
              id: c.id,
              amount: c.amount,
              currency: c.currency,
              ...(c.amount_refunded ? { refunded: c.amount_refunded } : {}),
            })),
          },
        }
      : {}),
    expect: { decision: expected, refund: expected === "refund" },
  };
}

export async function exportLabels(options: {
  workflow: string;
  apiUrl: string;
  token: string;
  databaseUrl: string;
  authToken?: string;
}): Promise<GoldenCase[]> {
  const golden = JSON.parse(readFileSync(join(ROOT, "evals", `${options.workflow}.json`), "utf8")) as GoldenFile;
  const db = createClient({ url: options.databaseUrl, authToken: options.authToken || undefined });
  try {
    const rs = await db.execute({
      sql: "SELECT DISTINCT case_key FROM metric_events WHERE workflow_id = ? AND kind = 'human.decision' ORDER BY case_key",
      args: [options.workflow],
    });
    const labelled: GoldenCase[] = [];
    for (const row of rs.rows) {
      const res = await fetch(
        `${options.apiUrl}/api/cases/${options.workflow}/${encodeURIComponent(String(row.case_key))}`,
        { headers: { authorization: `Bearer ${options.token}` } },
      );
      if (!res.ok) throw new Error(`case ${row.case_key}: ${res.status} ${await res.text()}`);
      const example = labelledCase((await res.json()) as CaseView, golden);
      if (example) labelled.push(example);
    }
    return labelled;
  } finally {
    db.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const workflow = process.argv.slice(2).find((a) => !a.startsWith("--"));
  if (!workflow) {
    console.error(
      "usage: npm run eval:export -- <workflow>   (API_URL, CROSSFLOW_API_TOKEN, TURSO_DATABASE_URL from the environment or .dev.vars)",
    );
    process.exit(2);
  }
  const setting = (name: string, fallback?: string) => process.env[name] ?? devVar(name) ?? fallback;
  const labelled = await exportLabels({
    workflow,
    apiUrl: setting("API_URL", "http://127.0.0.1:8787")!,
    token: firstSecret(setting("CROSSFLOW_API_TOKEN")),
    databaseUrl: setting("TURSO_DATABASE_URL")!,
    authToken: setting("TURSO_AUTH_TOKEN"),
  });
  const file = join(ROOT, "evals", `${workflow}.labelled.json`);
  writeFileSync(file, `${JSON.stringify(labelled, null, 2)}\n`);
  console.log(`${labelled.length} labelled case(s) written to ${file}`);
}
