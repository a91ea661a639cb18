/**
 * Per-caller keys for the case API. A key is `cfk_<id>_<secret>`: the id finds the row, the database keeps only the
 * SHA-256 of the whole key (the secret is 256 random bits, so a fast hash is enough), and the key is shown once.
 * Web-standard APIs only: the worker (Cloudflare and Deno) checks keys with this module, the dashboard's admin page
 * and `npm run keys` manage them.
 */
import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import type { MetricsDatabase } from "./client.ts";
import { apiKeys, DASHBOARD_ROLES, type DashboardRole } from "./schema.ts";

/** What a caller is, once its key checked out: who it acts as, with which roles, on which workflows. */
export interface ApiCaller {
  /** The key's id (`dashboard` for the dashboard's own server key). Decisions record it beside the person. */
  keyId: string;
  /** Who the key acts as. */
  holder: string;
  role: DashboardRole;
  taskRoles: string[];
  /** The workflows the key may touch; null: all. */
  workflows: string[] | null;
  /** Only the dashboard's server key may name the person a decision is from (the signed-in user). */
  onBehalf: boolean;
}

export interface ApiKeyRow {
  id: string;
  name: string;
  holder: string;
  role: DashboardRole;
  taskRoles: string[];
  workflows: string[] | null;
  createdBy: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  revokedBy: string | null;
}

/** A request to create a key that cannot be honoured (bad name, unknown role...): safe to show the person. */
export class ApiKeyError extends Error {
  override name = "ApiKeyError";
}

export const API_KEY_PREFIX = "cfk_";
const KEY_PATTERN = /^cfk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
/** `last used` is written at most once a minute per key, so a busy caller does not turn every read into a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function sha256(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Equal strings of equal length, compared without an early exit (both sides are hex digests of the same length). */
function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function randomId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  // 252 = 7 × 36: bytes at or above it would bias the choice, so they are drawn again.
  return [...bytes]
    .map((b) => (b < 252 ? alphabet[b % 36] : alphabet[crypto.getRandomValues(new Uint8Array(1))[0]! % 36]))
    .join("");
}

/** Whether a bearer token is shaped like one of these keys (else the caller may be the dashboard's server token). */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._@:/-]{0,79}$/u;
const HOLDER = /^[a-z0-9][a-z0-9._@:-]{0,79}$/;
const WORD = /^[a-z0-9][a-z0-9_-]{0,79}$/;

function list(input: string | readonly string[] | undefined | null, what: string, pattern: RegExp): string[] {
  const items = Array.isArray(input) ? input : String(input ?? "").split(/[,\s]+/);
  const out = [...new Set(items.map((s) => s.trim().toLowerCase()).filter(Boolean))];
  for (const item of out)
    if (!pattern.test(item))
      throw new ApiKeyError(`${what} "${item}" may hold only lower-case letters, digits, - and _.`);
  return out;
}

export interface NewApiKey {
  name: string;
  /** Who the key acts as (an account's username, or a system's name); default: the name, lower-cased. */
  holder?: string;
  role: DashboardRole | string;
  taskRoles?: string | readonly string[];
  /** Workflow ids the key is limited to; empty or absent: all workflows. */
  workflows?: string | readonly string[] | null;
  createdBy: string;
  now?: number;
}

/**
 * Creates a key and returns it with its row: the key itself exists only in this answer.
 * @example
 * const { key } = await createApiKey(db, { name: "zendesk macros", role: "operator", workflows: ["refund-dispute"], createdBy: "admin" });
 */
export async function createApiKey(db: MetricsDatabase, input: NewApiKey): Promise<{ key: string; row: ApiKeyRow }> {
  const name = input.name.trim();
  if (!NAME.test(name))
    throw new ApiKeyError("A key's name is 1–80 characters: letters, digits, spaces and . _ @ : / -.");
  const holder = (input.holder?.trim() || name).toLowerCase().replace(/\s+/g, "-");
  if (!HOLDER.test(holder))
    throw new ApiKeyError("A key's holder is 1–80 characters: lower-case letters, digits and . _ @ : -.");
  if (!(DASHBOARD_ROLES as readonly string[]).includes(input.role))
    throw new ApiKeyError(`Unknown role "${input.role}": one of ${DASHBOARD_ROLES.join(", ")}.`);
  const workflows = list(input.workflows, "Workflow", WORD);
  const id = randomId();
  const key = `${API_KEY_PREFIX}${id}_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
  const row: ApiKeyRow = {
    id,
    name,
    holder,
    role: input.role as DashboardRole,
    taskRoles: list(input.taskRoles, "Task role", WORD),
    workflows: workflows.length > 0 ? workflows : null,
    createdBy: input.createdBy,
    createdAt: input.now ?? Date.now(),
    lastUsedAt: null,
    revokedAt: null,
    revokedBy: null,
  };
  await db.insert(apiKeys).values({ ...row, secretHash: await sha256(key) });
  return { key, row };
}

/** Every key, newest first, without its hash. */
export async function listApiKeys(db: MetricsDatabase): Promise<ApiKeyRow[]> {
  const rows = await db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt), apiKeys.id);
  return rows.map(({ secretHash: _, ...row }) => row);
}

/** Revokes a key at once (its next call is refused); false when there is no such key or it was already revoked. */
export async function revokeApiKey(db: MetricsDatabase, id: string, by: string, now = Date.now()): Promise<boolean> {
  const done = await db
    .update(apiKeys)
    .set({ revokedAt: now, revokedBy: by })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return done.length > 0;
}

export type ApiKeyCheck = { caller: ApiCaller } | { refused: "malformed_key" | "unknown_key" | "revoked_key" };

/**
 * Checks a presented key against the table (no cache: a revoked key is refused on its very next call) and notes when
 * it was last used.
 * @example
 * const check = await checkApiKey(db, bearer); if ("refused" in check) return 401;
 */
export async function checkApiKey(db: MetricsDatabase, presented: string, now = Date.now()): Promise<ApiKeyCheck> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return { refused: "malformed_key" };
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, match[1]!)).limit(1);
  const digest = await sha256(presented);
  // Hash before knowing whether the row exists, and compare in constant time, so timing tells nothing about ids.
  if (!row || !sameDigest(digest, row.secretHash)) return { refused: "unknown_key" };
  if (row.revokedAt !== null) return { refused: "revoked_key" };
  if (row.lastUsedAt === null || row.lastUsedAt < now - LAST_USED_RESOLUTION_MS) {
    await db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(
        and(
          eq(apiKeys.id, row.id),
          or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - LAST_USED_RESOLUTION_MS)),
        ),
      );
  }
  return {
    caller: {
      keyId: row.id,
      holder: row.holder,
      role: row.role,
      taskRoles: row.taskRoles,
      workflows: row.workflows,
      onBehalf: false,
    },
  };
}
