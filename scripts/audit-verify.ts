/**
 * `npm run audit:verify`: every case the metrics database lists is read through the case API, its hash chain
 * verified, and every head anchored outside the case (`audit_anchors`, and the signed daily manifests when
 * AUDIT_PUBLIC_KEY is known) compared with the case's own entry at that seq. Prints a summary and each problem
 * (chain broken, anchor mismatch, anchored entry missing, manifest signature bad); exits 1 on any. Entries after a
 * case's last anchor are counted as not yet anchored, not as failures. `--case <id>` (repeatable) checks only those.
 * Env: WORKER_URL, CROSSFLOW_API_TOKEN, TURSO_DATABASE_URL, TURSO_AUTH_TOKEN, AUDIT_PUBLIC_KEY (default: the local stack's).
 */
import { fileURLToPath } from "node:url";
import { openDatabase } from "../db/client.ts";
import { type AuditTarget, verifyAudit } from "./audit-trail.ts";
import { devVar, firstSecret } from "./dev-vars.ts";

/** The target from the environment, as kpi:verify finds it: the local stack's `.dev.vars` unless overridden. */
export function auditTargetFromEnv(argv: readonly string[]): AuditTarget {
  const dbUrl = process.env.TURSO_DATABASE_URL ?? devVar("TURSO_DATABASE_URL");
  if (!dbUrl) {
    console.error("audit needs TURSO_DATABASE_URL (or `npm start` running, which writes it to .dev.vars)");
    process.exit(2);
  }
  const caseIds = argv.flatMap((a, i) => (a === "--case" && argv[i + 1] ? [argv[i + 1]!] : []));
  const publicKey = process.env.AUDIT_PUBLIC_KEY ?? devVar("AUDIT_PUBLIC_KEY");
  return {
    workerUrl: process.env.WORKER_URL ?? `http://127.0.0.1:${process.env.WORKER_PORT ?? 8787}`,
    apiToken: firstSecret(process.env.CROSSFLOW_API_TOKEN ?? devVar("CROSSFLOW_API_TOKEN")),
    db: openDatabase({ url: dbUrl, authToken: process.env.TURSO_AUTH_TOKEN ?? devVar("TURSO_AUTH_TOKEN") }),
    ...(caseIds.length ? { caseIds } : {}),
    ...(publicKey ? { publicKey } : {}),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = auditTargetFromEnv(process.argv.slice(2));
  const report = await verifyAudit(target);
  const manifests = target.publicKey
    ? `${report.manifests} signed manifests`
    : "manifests not checked (no AUDIT_PUBLIC_KEY)";
  console.log(
    `audit:verify: ${report.cases} cases, ${report.entries} entries, ${report.anchors} anchors, ${manifests}; ${report.notYetAnchored} entries not yet anchored`,
  );
  if (report.problems.length) {
    console.error(`${report.problems.length} problem(s):\n${report.problems.join("\n")}`);
    process.exit(1);
  }
  console.log("0 problems: every chain verifies and matches every head anchored outside its case");
}
