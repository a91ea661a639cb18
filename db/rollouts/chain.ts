/**
 * The change logs of rollouts and autonomy are hash-chained per subject, like a case's audit trail: each entry
 * carries the hash of the one before, so an edited or deleted row breaks every later hash (`verifyChain`).
 */

export const GENESIS_HASH = "0".repeat(64);

/** JSON with object keys sorted at every depth: the same value always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** Hex SHA-256 of the entry's canonical JSON together with the previous hash. */
export async function chainHash(prevHash: string, entry: Record<string, unknown>): Promise<string> {
  const bytes = new TextEncoder().encode(`${prevHash}\n${canonicalJson(entry)}`);
  const hash = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The first entry whose link or hash does not hold, or null when the chain is whole.
 * @example await verifyChain(rows, ({ prevHash, hash, ...entry }) => entry) // → null
 */
export async function verifyChain<T extends { id: number; prevHash: string; hash: string }>(
  rows: readonly T[],
  hashed: (row: T) => Record<string, unknown>,
): Promise<{ id: number; problem: string } | null> {
  let prev = GENESIS_HASH;
  for (const row of rows) {
    if (row.prevHash !== prev) return { id: row.id, problem: "does not link to the entry before it" };
    if ((await chainHash(prev, hashed(row))) !== row.hash) return { id: row.id, problem: "its hash does not match" };
    prev = row.hash;
  }
  return null;
}
