/**
 * The tamper-evident audit trail: every entry carries the SHA-256 of its predecessor, so changing, removing or
 * reordering any stored entry breaks verification at that entry. Hashing is synchronous (noble's audited
 * SHA-256), so an entry is appended in the same storage transaction as the state change it records.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/** Who or what acted: the sender of an event, a deterministic rule (workflow code), the engine, a model, a person. */
export interface AuditActor {
  kind: "sender" | "rule" | "engine" | "model" | "human";
  id: string;
}

export interface AuditFields {
  at: number;
  actor: AuditActor;
  /** e.g. `event.received`, `case.opened`, `step.completed`, `case.waiting`, `case.resolved`. */
  action: string;
  stepId?: string;
  /** SHA-256 of what the actor acted on / produced; the data itself stays in the case. */
  inputDigest?: string;
  outputDigest?: string;
  detail?: Record<string, unknown>;
}

export interface AuditEntry extends AuditFields {
  seq: number;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = "0".repeat(64);

/** JSON with object keys sorted at every depth, so the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/**
 * @example digest({ amount: 4900 }) // → "9f1c…" (hex SHA-256 of the canonical JSON)
 */
export function digest(value: unknown): string {
  return bytesToHex(sha256(utf8ToBytes(typeof value === "string" ? value : canonicalJson(value))));
}

function entryHash(seq: number, prevHash: string, fields: AuditFields): string {
  return digest(canonicalJson({ ...fields, seq, prevHash }));
}

/**
 * The next entry of a chain whose last entry is `previous` (null for the first).
 * @example const entry = chainEntry(lastEntry, { at: Date.now(), actor: { kind: "engine", id: "crossflow" }, action: "case.opened" });
 */
export function chainEntry(previous: Pick<AuditEntry, "seq" | "hash"> | null, fields: AuditFields): AuditEntry {
  const seq = previous ? previous.seq + 1 : 1;
  const prevHash = previous ? previous.hash : GENESIS_HASH;
  return { ...fields, seq, prevHash, hash: entryHash(seq, prevHash, fields) };
}

export type ChainVerdict =
  | { valid: true; entries: number; head: string }
  | { valid: false; entries: number; brokenAt: number; reason: string };

/**
 * Recomputes every hash and link, in order.
 * @example verifyChain(entries) // → { valid: false, brokenAt: 7, reason: "entry 7 does not match its hash" }
 */
export function verifyChain(entries: readonly AuditEntry[]): ChainVerdict {
  let prevHash = GENESIS_HASH;
  for (const [index, entry] of entries.entries()) {
    const { seq, prevHash: linked, hash, ...fields } = entry;
    if (seq !== index + 1)
      return {
        valid: false,
        entries: entries.length,
        brokenAt: seq,
        reason: `entry ${seq} is out of sequence (expected ${index + 1})`,
      };
    if (linked !== prevHash)
      return {
        valid: false,
        entries: entries.length,
        brokenAt: seq,
        reason: `entry ${seq} does not link to entry ${seq - 1}`,
      };
    if (entryHash(seq, linked, fields) !== hash)
      return { valid: false, entries: entries.length, brokenAt: seq, reason: `entry ${seq} does not match its hash` };
    prevHash = hash;
  }
  return { valid: true, entries: entries.length, head: prevHash };
}
