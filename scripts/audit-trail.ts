/**
 * What `npm run audit:verify` and `npm run audit:export` do, without Node: every case the metrics database lists is
 * read through the case API (`/api/cases/:workflow/:key/audit?seq=n`), its hash chain verified, and each head
 * anchored outside the case (`audit_anchors`, the signed daily `audit_manifests`) compared with the case's own entry
 * at that seq. A case rewritten with its chain recomputed still verifies on its own, but no longer matches its anchors.
 */
import { sql } from "drizzle-orm";
import type { MetricsDatabase } from "../db/client.ts";
import { type AuditEntry, canonicalJson, verifyChain } from "../workers/engine/audit.ts";
import { type ManifestBody, verifyManifestSignature } from "../workers/metrics/audit-manifest.ts";
import { mapLimit } from "./map-limit.ts";

export interface AuditTarget {
  workerUrl: string;
  apiToken: string;
  db: MetricsDatabase;
  /** Only these case ids (default: every case in the `cases` table). */
  caseIds?: readonly string[];
  /** The manifests' public key (base64 raw Ed25519) the auditor trusts; without it manifests are not checked. */
  publicKey?: string;
  /** How requests reach the worker (default the global fetch). */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

export interface CaseRef {
  caseId: string;
  workflowId: string;
  caseKey: string;
  seq: number;
}

export interface AuditReport {
  cases: number;
  entries: number;
  anchors: number;
  manifests: number;
  /** Entries after their case's last anchor: not yet anchored, not a failure. */
  notYetAnchored: number;
  problems: string[];
}

/** Which of its key's cases an id names: `<wf>/<key>` is the first, `<wf>@n/<key>` the n-th. */
const seqOf = (caseId: string): number => {
  const match = /^[a-z0-9-]+@([1-9][0-9]*)\//.exec(caseId);
  return match ? Number(match[1]) : 1;
};

/** The case an id names: `<workflow>/<key>` (the key's first case) or `<workflow>@<n>/<key>`. */
export function refOf(caseId: string): CaseRef {
  const slash = caseId.indexOf("/");
  const workflowId = caseId.slice(0, slash).replace(/@[1-9][0-9]*$/, "");
  return { caseId, workflowId, caseKey: caseId.slice(slash + 1), seq: seqOf(caseId) };
}

/**
 * Every case the metrics database knows of (or the `caseIds` asked for), in case id order: the `cases` rows and every
 * case anchored or named in a manifest, so deleting a case's row does not take its history out of the check.
 */
export async function listCases(target: Pick<AuditTarget, "db" | "caseIds">): Promise<CaseRef[]> {
  const rows = await target.db.all<{ case_id: string }>(
    sql`SELECT case_id FROM cases UNION SELECT case_id FROM audit_anchors ORDER BY case_id`,
  );
  const manifests = await target.db.all<{ body: string }>(sql`SELECT body FROM audit_manifests`);
  const ids = new Set(rows.map((r) => r.case_id));
  for (const m of manifests) {
    try {
      for (const head of (JSON.parse(m.body) as ManifestBody).heads) ids.add(head.caseId);
    } catch {
      // A body that is not JSON fails its signature check, where it is reported.
    }
  }
  const wanted = target.caseIds ? new Set(target.caseIds) : null;
  return [...ids]
    .filter((id) => id.includes("/") && (!wanted || wanted.has(id)))
    .sort()
    .map(refOf);
}

/** One case's audit trail through the case API; null when the case API has no such case. */
export async function readAudit(
  target: Pick<AuditTarget, "workerUrl" | "apiToken" | "fetch">,
  ref: CaseRef,
): Promise<AuditEntry[] | null> {
  const url = `${target.workerUrl}/api/cases/${encodeURIComponent(ref.workflowId)}/${encodeURIComponent(ref.caseKey)}/audit?seq=${ref.seq}`;
  const res = await (target.fetch ?? fetch)(url, { headers: { authorization: `Bearer ${target.apiToken}` } });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { entries: AuditEntry[] }).entries;
}

/** Compares one anchored head with the case's own entry at that seq; the problem, or null when they agree. */
function checkHead(
  caseId: string,
  entries: readonly AuditEntry[],
  head: { seq: number; hash: string },
  where: string,
): string | null {
  const entry = entries[head.seq - 1];
  if (!entry || entry.seq !== head.seq)
    return `case ${caseId}: anchored entry missing: ${where} anchors seq ${head.seq}, the case has ${entries.length} entries`;
  if (entry.hash !== head.hash)
    return `case ${caseId}: anchor mismatch at seq ${head.seq}: ${where} holds ${head.hash}, the case's entry hashes to ${entry.hash}`;
  return null;
}

/**
 * @example
 * const report = await verifyAudit({ workerUrl, apiToken, db, publicKey });
 * if (report.problems.length) process.exit(1);
 */
export async function verifyAudit(target: AuditTarget): Promise<AuditReport> {
  const cases = await listCases(target);
  const trails = await mapLimit(cases, 16, (ref) => readAudit(target, ref));
  const anchorRows = await target.db.all<{ case_id: string; seq: number; hash: string }>(
    sql`SELECT case_id, seq, hash FROM audit_anchors ORDER BY case_id, seq`,
  );
  const anchorsOf = new Map<string, { seq: number; hash: string }[]>();
  for (const a of anchorRows)
    anchorsOf.set(a.case_id, [...(anchorsOf.get(a.case_id) ?? []), { seq: Number(a.seq), hash: a.hash }]);
  const report: AuditReport = {
    cases: cases.length,
    entries: 0,
    anchors: 0,
    manifests: 0,
    notYetAnchored: 0,
    problems: [],
  };
  const byCase = new Map<string, AuditEntry[]>();
  cases.forEach((ref, i) => {
    const entries = trails[i];
    if (!entries) {
      report.problems.push(`case ${ref.caseId}: no such case behind the case API`);
      return;
    }
    byCase.set(ref.caseId, entries);
    report.entries += entries.length;
    const verdict = verifyChain(entries);
    if (!verdict.valid)
      report.problems.push(`case ${ref.caseId}: chain broken at entry ${verdict.brokenAt}: ${verdict.reason}`);
    const anchors = anchorsOf.get(ref.caseId) ?? [];
    for (const anchor of anchors) {
      report.anchors++;
      const problem = checkHead(ref.caseId, entries, anchor, "audit_anchors");
      if (problem) report.problems.push(problem);
    }
    const last = Math.max(0, ...anchors.map((a) => a.seq));
    report.notYetAnchored += Math.max(0, entries.length - last);
  });
  if (target.publicKey) {
    const manifests = await target.db.all<{ day: string; body: string; sha256: string; signature: string }>(
      sql`SELECT day, body, sha256, signature FROM audit_manifests ORDER BY day`,
    );
    for (const m of manifests) {
      report.manifests++;
      if (!(await verifyManifestSignature(m, target.publicKey))) {
        report.problems.push(`manifest ${m.day}: manifest signature bad (or its body does not hash to its sha256)`);
        continue;
      }
      const body = JSON.parse(m.body) as ManifestBody;
      if (canonicalJson(body) !== m.body) report.problems.push(`manifest ${m.day}: its body is not in canonical form`);
      for (const head of body.heads) {
        const entries = byCase.get(head.caseId);
        if (!entries) continue; // A case outside `caseIds`, or one already reported as missing behind the case API.
        const problem = checkHead(head.caseId, entries, head, `manifest ${m.day}`);
        if (problem) report.problems.push(problem);
      }
    }
  }
  return report;
}

/**
 * Every audit entry with `at` in [from, to) of every case, one object per entry with its case id, in case id then
 * seq order.
 * @example
 * for await (const line of exportAudit(target, Date.parse("2026-11-01"), Date.parse("2026-12-01"))) out.write(`${line}\n`);
 */
export async function* exportAudit(
  target: Omit<AuditTarget, "publicKey">,
  from: number,
  to: number,
): AsyncGenerator<string> {
  const cases = await listCases(target);
  for (let i = 0; i < cases.length; i += 16) {
    const chunk = cases.slice(i, i + 16);
    const trails = await Promise.all(chunk.map((ref) => readAudit(target, ref)));
    for (const [j, entries] of trails.entries()) {
      // An export for compliance holds every entry of every case, or fails saying which case it could not read.
      if (!entries)
        throw new Error(`case ${chunk[j]!.caseId}: no such case behind the case API; the export is incomplete`);
      for (const entry of entries)
        if (entry.at >= from && entry.at < to) yield JSON.stringify({ caseId: chunk[j]!.caseId, ...entry });
    }
  }
}
