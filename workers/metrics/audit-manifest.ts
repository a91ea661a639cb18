/**
 * The signed daily manifest of audit chain heads: for one UTC day, the latest anchored head of every case as of the
 * end of that day (`audit_anchors`), canonically serialised, its SHA-256, and an Ed25519 signature over that digest
 * (Web Crypto, the same in workerd, Deno and Node), so an auditor checks it with the public key alone.
 */
import { sql } from "drizzle-orm";
import type { MetricsDatabase } from "../../db/client.ts";
import { auditManifests } from "../../db/schema.ts";
import { canonicalJson, digest } from "../engine/audit.ts";

const DAY_MS = 86_400_000;

export interface ManifestBody {
  day: string;
  heads: { caseId: string; seq: number; hash: string }[];
}

export interface ManifestKeys {
  /** Base64 PKCS#8 Ed25519 private key (the `AUDIT_SIGNING_KEY` secret). */
  signingKey: string;
  /** Base64 raw Ed25519 public key: what an auditor verifies with (`AUDIT_PUBLIC_KEY`). */
  publicKey: string;
}

const fromBase64 = (b64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(b64.trim()), (c) => c.charCodeAt(0));
const toBase64 = (bytes: ArrayBuffer | Uint8Array): string => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const utf8 = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;

/**
 * A fresh key pair in the form the settings take (for `.dev.vars` and a first deploy).
 * @example const { signingKey, publicKey } = await generateManifestKeys();
 */
export async function generateManifestKeys(): Promise<ManifestKeys> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const pkcs8 = (await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer;
  const raw = (await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer;
  return { signingKey: toBase64(pkcs8), publicKey: toBase64(raw) };
}

/**
 * Whether `signature` is the public key's Ed25519 signature of `sha256`, and `sha256` the digest of `body`.
 * @example await verifyManifestSignature(row, process.env.AUDIT_PUBLIC_KEY) // → true
 */
export async function verifyManifestSignature(
  manifest: { body: string; sha256: string; signature: string },
  publicKey: string,
): Promise<boolean> {
  if (digest(manifest.body) !== manifest.sha256) return false;
  try {
    const key = await crypto.subtle.importKey("raw", fromBase64(publicKey), { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "Ed25519" }, key, fromBase64(manifest.signature), utf8(manifest.sha256));
  } catch {
    // A key or signature that does not even decode verifies nothing: the manifest is reported as bad.
    return false;
  }
}

/**
 * The signing key and the public key it implies (an Ed25519 private key's JWK carries its public half, `x`), so the
 * worker needs only the secret and each manifest names the key that signed it.
 */
async function signerOf(signingKey: string): Promise<{ privateKey: CryptoKey; publicKey: string }> {
  const privateKey = await crypto.subtle.importKey("pkcs8", fromBase64(signingKey), { name: "Ed25519" }, true, [
    "sign",
  ]);
  const { x } = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
  if (!x) throw new Error("AUDIT_SIGNING_KEY is not an Ed25519 private key");
  return {
    privateKey,
    publicKey: btoa(atob(x.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (x.length % 4)) % 4))),
  };
}

/** `YYYY-MM-DD` of the UTC day before the one `now` falls in: the last day that is over. */
export const lastFullDay = (now: number): string =>
  new Date(Math.floor(now / DAY_MS) * DAY_MS - DAY_MS).toISOString().slice(0, 10);

/**
 * Signs and stores the manifest of `day` unless that day has one already (the cron may run twice); returns the
 * stored row's day and case count, or null when the day was already signed.
 * @example await writeDailyManifest(db, env.AUDIT_SIGNING_KEY, lastFullDay(Date.now()));
 */
export async function writeDailyManifest(
  db: MetricsDatabase,
  signingKey: string,
  day: string,
  now = Date.now(),
): Promise<{ day: string; cases: number } | null> {
  const end = Date.parse(`${day}T00:00:00Z`) + DAY_MS;
  if (!Number.isFinite(end)) throw new Error(`not a day: ${day}`);
  const existing = await db.all(sql`SELECT day FROM ${auditManifests} WHERE day = ${day}`);
  if (existing.length > 0) return null;
  // SQLite takes the bare columns from the row holding max(seq): each case's latest head anchored before the day ended.
  const rows = await db.all<{ case_id: string; seq: number; hash: string }>(
    sql`SELECT case_id, max(seq) AS seq, hash FROM audit_anchors WHERE anchored_at < ${end} GROUP BY case_id ORDER BY case_id`,
  );
  const body: ManifestBody = { day, heads: rows.map((r) => ({ caseId: r.case_id, seq: Number(r.seq), hash: r.hash })) };
  const text = canonicalJson(body);
  const sha256 = digest(text);
  const { privateKey, publicKey } = await signerOf(signingKey);
  const signature = toBase64(await crypto.subtle.sign({ name: "Ed25519" }, privateKey, utf8(sha256)));
  await db.run(
    sql`INSERT INTO ${auditManifests} (day, body, sha256, signature, public_key, cases, created_at) VALUES (${day}, ${text}, ${sha256}, ${signature}, ${publicKey}, ${body.heads.length}, ${now}) ON CONFLICT (day) DO NOTHING`,
  );
  return { day, cases: body.heads.length };
}
