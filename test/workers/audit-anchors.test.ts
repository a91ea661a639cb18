/**
 * Audit trails that hold up outside the case: real cases inside workerd report their chain heads with their metrics
 * (through the queue consumer into the real libSQL endpoint), and `npm run audit:verify`'s entry point finds a case
 * whose stored history was rewritten with its chain recomputed (so the case's own verification still passes),
 * through the anchors and through a signed daily manifest; `npm run audit:export`'s entry point returns every entry.
 */
import {
  createExecutionContext,
  createScheduledController,
  env,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import { openDatabase } from "../../db/client.ts";
import { type AuditTarget, exportAudit, verifyAudit } from "../../scripts/audit-trail.ts";
import { issueOpenedPayload, sign } from "../../scripts/senders.ts";
import { type AuditEntry, chainEntry } from "../../workers/engine/audit.ts";
import { caseId } from "../../workers/engine/index.ts";
import { generateManifestKeys, writeDailyManifest } from "../../workers/metrics/audit-manifest.ts";
import worker from "../../workers/platform/cloudflare/index.ts";
import { eventually } from "../support/wait.ts";
import { api, ORIGIN, secret, send, settle } from "./helpers.ts";

const TRIAGE = "github-issue-triage";
const db = openDatabase({ url: inject("libsqlUrl") });
/** One key pair for the file: audit:verify checks every manifest in the database with the one key it trusts. */
const keys = await generateManifestKeys();

/** Opens an issue-triage case, runs it to its end and waits until its last head is anchored; returns its id. */
async function triagedCase(repo: string, number: number): Promise<{ id: string; key: string; entries: AuditEntry[] }> {
  const key = `github:${repo}#${number}`;
  await send(
    await sign.github(secret("GITHUB_WEBHOOK_SECRET"), "issues", issueOpenedPayload(repo, number, "Crash in export")),
  );
  await settle(TRIAGE, key);
  const id = caseId(TRIAGE, key);
  const { body } = await api(`/cases/${TRIAGE}/${encodeURIComponent(key)}/audit`);
  const entries = body.entries as AuditEntry[];
  await eventually(
    async () => {
      const rows = await db.all<{ seq: number; hash: string }>(
        sql`SELECT seq, hash FROM audit_anchors WHERE case_id = ${id} ORDER BY seq DESC LIMIT 1`,
      );
      return rows[0] && Number(rows[0].seq) === entries.length ? rows[0] : undefined;
    },
    10_000,
    `the anchor of ${id}'s head`,
  );
  return { id, key, entries };
}

/** Rewrites entry `seq`'s detail in the case's storage and recomputes the chain from there, as an insider could. */
async function rewriteHistory(id: string, seq: number): Promise<void> {
  await runInDurableObject(env.CASES.getByName(id), (_instance, state) => {
    const stored = state.storage.sql
      .exec<{ entry: string }>("SELECT entry FROM audit ORDER BY seq")
      .toArray()
      .map((r) => JSON.parse(r.entry) as AuditEntry);
    let previous: AuditEntry | null = seq > 1 ? stored[seq - 2]! : null;
    for (const original of stored.slice(seq - 1)) {
      const { seq: _s, prevHash: _p, hash: _h, ...fields } = original;
      const rewritten = chainEntry(
        previous,
        original.seq === seq ? { ...fields, detail: { ...fields.detail, note: "edited after the fact" } } : fields,
      );
      state.storage.sql.exec("UPDATE audit SET entry = ? WHERE seq = ?", JSON.stringify(rewritten), rewritten.seq);
      previous = rewritten;
    }
  });
}

const target = (caseIds: string[], publicKey?: string): AuditTarget => ({
  workerUrl: ORIGIN,
  apiToken: env.CROSSFLOW_API_TOKEN ?? "",
  db,
  caseIds,
  ...(publicKey ? { publicKey } : {}),
  fetch: (url, init) => exports.default.fetch(url, init),
});

describe("audit anchors", () => {
  it("anchors each reported head, and audit:verify reports a case rewritten with its chain recomputed while an untouched case passes", async () => {
    const untouched = await triagedCase("anchors/repo", 1);
    const tampered = await triagedCase("anchors/repo", 2);
    const clean = await verifyAudit(target([untouched.id, tampered.id]));
    expect(clean.problems).toEqual([]);
    expect(clean).toMatchObject({
      cases: 2,
      entries: untouched.entries.length + tampered.entries.length,
      notYetAnchored: 0,
    });

    await rewriteHistory(tampered.id, 3);
    // The case's own verification is fooled: the rewritten chain is consistent.
    const { body } = await api(`/cases/${TRIAGE}/${encodeURIComponent(tampered.key)}/audit`);
    expect(body.verification).toMatchObject({ valid: true, entries: tampered.entries.length });
    expect(body.entries[2].detail.note).toBe("edited after the fact");

    const report = await verifyAudit(target([untouched.id, tampered.id]));
    const last = tampered.entries.length;
    expect(report.problems).toContain(
      `case ${tampered.id}: anchor mismatch at seq ${last}: audit_anchors holds ${tampered.entries[last - 1]!.hash}, the case's entry hashes to ${body.entries[last - 1].hash}`,
    );
    expect(report.problems.every((p) => p.startsWith(`case ${tampered.id}: anchor mismatch`))).toBe(true);
    expect((await verifyAudit(target([untouched.id]))).problems).toEqual([]);

    // Deleting the case's row from the metrics database does not take it out of the check: its anchors still name it.
    await db.run(sql`DELETE FROM cases WHERE case_id = ${tampered.id}`);
    const hidden = await verifyAudit(target([untouched.id, tampered.id]));
    expect(hidden.problems).toContain(report.problems[0]);
  });

  it("reports an anchored entry the case no longer has, and counts entries after the last anchor as not yet anchored", async () => {
    const shortened = await triagedCase("anchors/repo", 3);
    await runInDurableObject(env.CASES.getByName(shortened.id), (_instance, state) => {
      state.storage.sql.exec("DELETE FROM audit WHERE seq = ?", shortened.entries.length);
    });
    const report = await verifyAudit(target([shortened.id]));
    expect(report.problems).toEqual([
      `case ${shortened.id}: anchored entry missing: audit_anchors anchors seq ${shortened.entries.length}, the case has ${shortened.entries.length - 1} entries`,
    ]);

    const ahead = await triagedCase("anchors/repo", 4);
    // As if the case's last report had not reached the metrics database yet.
    await db.run(sql`DELETE FROM audit_anchors WHERE case_id = ${ahead.id} AND seq = ${ahead.entries.length}`);
    const [kept] = await db.all<{ last: number | null }>(
      sql`SELECT max(seq) AS last FROM audit_anchors WHERE case_id = ${ahead.id}`,
    );
    const partial = await verifyAudit(target([ahead.id]));
    expect(partial.problems).toEqual([]);
    expect(partial.notYetAnchored).toBe(ahead.entries.length - Number(kept?.last ?? 0));
    expect(partial.notYetAnchored).toBeGreaterThan(0);
  });

  it("anchors what an ended case audits without a metric: a refused decision is anchored too", async () => {
    const ended = await triagedCase("anchors/repo", 5);
    const refused = await api(`/cases/${TRIAGE}/${encodeURIComponent(ended.key)}/decisions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ step: "triage", decision: "approve", actor: { id: "ops-ana", roles: ["operator"] } }),
    });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: "wait_ended" } } });
    const head = ended.entries.length + 1;
    const anchored = await eventually(
      async () => {
        const rows = await db.all<{ seq: number; hash: string }>(
          sql`SELECT seq, hash FROM audit_anchors WHERE case_id = ${ended.id} AND seq = ${head}`,
        );
        return rows[0];
      },
      10_000,
      `the anchor of ${ended.id}'s refusal`,
    );
    const { body } = await api(`/cases/${TRIAGE}/${encodeURIComponent(ended.key)}/audit`);
    expect(body.entries[head - 1]).toMatchObject({ seq: head, action: "human.decision_refused", hash: anchored.hash });
  });

  it("signs a daily manifest of every case's head once per day; audit:verify checks its signature and its heads", async () => {
    const untouched = await triagedCase("manifest/repo", 1);
    const tampered = await triagedCase("manifest/repo", 2);
    const day = "2099-01-01";
    expect(await writeDailyManifest(db, keys.signingKey, day)).toMatchObject({ day });
    expect(await writeDailyManifest(db, keys.signingKey, day)).toBeNull();
    const [row] = await db.all<{ body: string }>(sql`SELECT body FROM audit_manifests WHERE day = ${day}`);
    expect(JSON.parse(row!.body).heads).toContainEqual({
      caseId: tampered.id,
      seq: tampered.entries.length,
      hash: tampered.entries.at(-1)!.hash,
    });
    const signed = await verifyAudit(target([untouched.id, tampered.id], keys.publicKey));
    expect(signed.problems).toEqual([]);
    expect(signed.manifests).toBeGreaterThanOrEqual(1);

    // The anchors table rewritten to match the rewritten case: the signed manifest still holds the original head.
    await rewriteHistory(tampered.id, 2);
    const { body } = await api(`/cases/${TRIAGE}/${encodeURIComponent(tampered.key)}/audit`);
    for (const e of body.entries as AuditEntry[])
      await db.run(sql`UPDATE audit_anchors SET hash = ${e.hash} WHERE case_id = ${tampered.id} AND seq = ${e.seq}`);
    const last = tampered.entries.length;
    expect((await verifyAudit(target([untouched.id, tampered.id], keys.publicKey))).problems).toEqual([
      `case ${tampered.id}: anchor mismatch at seq ${last}: manifest ${day} holds ${tampered.entries[last - 1]!.hash}, the case's entry hashes to ${body.entries[last - 1].hash}`,
    ]);

    // A manifest whose heads were edited no longer verifies against the public key.
    await db.run(
      sql`UPDATE audit_manifests SET body = replace(body, ${tampered.entries.at(-1)!.hash}, ${body.entries.at(-1).hash}) WHERE day = ${day}`,
    );
    expect((await verifyAudit(target([untouched.id], keys.publicKey))).problems).toEqual([
      `manifest ${day}: manifest signature bad (or its body does not hash to its sha256)`,
    ]);
    // Nor does one checked with another key.
    const other = await generateManifestKeys();
    await db.run(sql`DELETE FROM audit_manifests WHERE day = ${day}`);
    await writeDailyManifest(db, keys.signingKey, day);
    expect((await verifyAudit(target([untouched.id], other.publicKey))).problems).toEqual([
      `manifest ${day}: manifest signature bad (or its body does not hash to its sha256)`,
    ]);
  });

  it("the worker's daily cron signs the previous UTC day's manifest with AUDIT_SIGNING_KEY, once", async () => {
    const c = await triagedCase("cron/repo", 1);
    const run = async () => {
      const ctx = createExecutionContext();
      worker.scheduled(
        createScheduledController({ scheduledTime: Date.parse("2099-03-02T03:17:00Z"), cron: "17 3 * * *" }),
        { ...env, AUDIT_SIGNING_KEY: keys.signingKey },
        ctx,
      );
      await waitOnExecutionContext(ctx);
    };
    await run();
    const rows = await db.all<{ body: string; public_key: string; created_at: number }>(
      sql`SELECT body, public_key, created_at FROM audit_manifests WHERE day = '2099-03-01'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.public_key).toBe(keys.publicKey);
    expect(JSON.parse(rows[0]!.body).heads).toContainEqual({
      caseId: c.id,
      seq: c.entries.length,
      hash: c.entries.at(-1)!.hash,
    });
    const report = await verifyAudit(target([c.id], keys.publicKey));
    expect(report.problems).toEqual([]);
    await run();
    expect(await db.all(sql`SELECT created_at FROM audit_manifests WHERE day = '2099-03-01'`)).toEqual([
      { created_at: rows[0]!.created_at },
    ]);
  });

  it("exports every entry of every case with `at` in the period, each with its case id", async () => {
    const a = await triagedCase("export/repo", 1);
    const b = await triagedCase("export/repo", 2);
    const all = [
      ...a.entries.map((e) => ({ caseId: a.id, ...e })),
      ...b.entries.map((e) => ({ caseId: b.id, ...e })),
    ].sort((x, y) => x.caseId.localeCompare(y.caseId) || x.seq - y.seq);
    const from = Math.min(...all.map((e) => e.at));
    const to = Math.max(...all.map((e) => e.at)) + 1;
    const lines: string[] = [];
    for await (const line of exportAudit(target([a.id, b.id]), from, to)) lines.push(line);
    expect(lines.map((l) => JSON.parse(l))).toEqual(all);
    // The period's end is exclusive.
    const before: string[] = [];
    for await (const line of exportAudit(target([a.id, b.id]), from, to - 1)) before.push(line);
    expect(before.map((l) => JSON.parse(l))).toEqual(all.filter((e) => e.at < to - 1));
  });
});
