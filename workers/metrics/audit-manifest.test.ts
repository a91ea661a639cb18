/** Audit chain heads in the metrics database (anchors, the signed daily manifest), read back as an auditor in Node. */
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { MetricsDatabase } from "../../db/client.ts";
import { seededRandom, syntheticCase } from "../../db/kpi/synthetic.ts";
import { useMigratedDatabase } from "../../test/support/libsql-server.ts";
import { generateManifestKeys, lastFullDay, verifyManifestSignature, writeDailyManifest } from "./audit-manifest.ts";
import { parseMetricBatch } from "./message.ts";
import { writeMetricBatches } from "./sink.ts";

const database = useMigratedDatabase("audit-manifest");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

const snapshotOf = (caseKey: string) =>
  syntheticCase({
    workflowId: "wf",
    version: 1,
    caseKey,
    openedAt: Date.UTC(2026, 10, 1),
    scenario: "waiting",
    measures: { minutesPerCase: 10 },
    random: seededRandom(7),
  }).final;
const hash = (c: string) => c.repeat(64);

describe("audit heads in metric batches", () => {
  it("parses a batch with its audit head, one from an older case object without, and refuses a malformed head", () => {
    const snapshot = snapshotOf("parse");
    expect(parseMetricBatch({ events: [], snapshot, auditHead: { seq: 4, hash: hash("a") } })).toMatchObject({
      batch: { auditHead: { seq: 4, hash: hash("a") } },
    });
    expect(parseMetricBatch({ events: [], snapshot })).toHaveProperty("batch");
    expect(parseMetricBatch({ events: [], snapshot, auditHead: { seq: 4, hash: "not-a-hash" } })).toMatchObject({
      reason: expect.stringContaining("auditHead.hash"),
    });
  });

  it("anchors each head once per case and seq, the first report winning, in the same write as the case row", async () => {
    const snapshot = snapshotOf("anchored");
    await writeMetricBatches(db, [{ events: [], snapshot, auditHead: { seq: 3, hash: hash("a") } }]);
    await writeMetricBatches(db, [
      { events: [], snapshot, auditHead: { seq: 3, hash: hash("b") } },
      { events: [], snapshot },
    ]);
    const rows = await db.all<{ seq: number; hash: string }>(
      sql`SELECT seq, hash FROM audit_anchors WHERE case_id = ${snapshot.caseId}`,
    );
    expect(rows).toEqual([{ seq: 3, hash: hash("a") }]);
  });
});

describe("the signed daily manifest", () => {
  it("holds each case's latest head anchored before the day ended, signed so the public key alone verifies it", async () => {
    const day = "2030-05-01";
    const start = Date.parse(`${day}T00:00:00Z`);
    await db.run(sql`INSERT INTO audit_anchors (case_id, seq, hash, anchored_at) VALUES
      ('m/one', 2, ${hash("1")}, ${start + 1000}), ('m/one', 5, ${hash("2")}, ${start + 86_399_999}), ('m/one', 7, ${hash("3")}, ${start + 86_400_000}),
      ('m/two', 1, ${hash("4")}, ${start - 5000})`);
    const keys = await generateManifestKeys();
    expect(lastFullDay(Date.parse("2030-05-02T03:17:00Z"))).toBe(day);
    expect(await writeDailyManifest(db, keys.signingKey, day)).toEqual({ day, cases: expect.any(Number) });
    expect(await writeDailyManifest(db, keys.signingKey, day)).toBeNull();
    const [row] = await db.all<{ body: string; sha256: string; signature: string; public_key: string }>(
      sql`SELECT body, sha256, signature, public_key FROM audit_manifests WHERE day = ${day}`,
    );
    const heads = (JSON.parse(row!.body) as { heads: { caseId: string }[] }).heads.filter((h) =>
      h.caseId.startsWith("m/"),
    );
    expect(heads).toEqual([
      { caseId: "m/one", seq: 5, hash: hash("2") },
      { caseId: "m/two", seq: 1, hash: hash("4") },
    ]);
    expect(row!.public_key).toBe(keys.publicKey);
    expect(await verifyManifestSignature(row!, keys.publicKey)).toBe(true);
    expect(
      await verifyManifestSignature({ ...row!, body: row!.body.replace(hash("2"), hash("9")) }, keys.publicKey),
    ).toBe(false);
    expect(await verifyManifestSignature(row!, (await generateManifestKeys()).publicKey)).toBe(false);
    expect(await verifyManifestSignature(row!, "not base64!")).toBe(false);
  });
});
