/**
 * Records too large for one Deno KV value (64 KiB) are split into parts under `[...key, i]`. Strings are cut
 * into 16 Ki characters, at most 64 KiB even when every character takes four bytes in UTF-8.
 */
const PART_CHARS = 16 * 1024;

export function splitParts(json: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i < json.length; i += PART_CHARS) parts.push(json.slice(i, i + PART_CHARS));
  return parts.length > 0 ? parts : [""];
}

/** Writes `json` (or deletes it, when null) under `key`, dropping parts an earlier, longer value left. */
export function writeParts(
  op: { set(key: Deno.KvKey, value: string): unknown; delete(key: Deno.KvKey): unknown },
  key: Deno.KvKey,
  json: string | null,
  previousParts: number,
): number {
  const parts = json === null ? [] : splitParts(json);
  parts.forEach((part, i) => {
    op.set([...key, i], part);
  });
  for (let i = parts.length; i < previousParts; i++) op.delete([...key, i]);
  return parts.length;
}

/** A record as stored: its key below its prefix, its JSON (its parts joined), and how many KV values it took. */
export type StoredRecord = { key: Deno.KvKey; json: string; parts: number };

/** Records from `entries` stored under `prefix`, reassembled from their parts: the key below it, its JSON, part count. */
export function joinRecords(entries: Iterable<Deno.KvEntry<string>>, prefix: Deno.KvKey): StoredRecord[] {
  const grouped = new Map<string, { key: Deno.KvKey; parts: string[] }>();
  for (const entry of entries) {
    const below = entry.key.slice(prefix.length);
    const key = below.slice(0, -1);
    const index = Number(below.at(-1));
    const id = JSON.stringify(key);
    const record = grouped.get(id) ?? { key, parts: [] };
    record.parts[index] = entry.value;
    grouped.set(id, record);
  }
  return [...grouped.values()].map((r) => ({ key: r.key, json: r.parts.join(""), parts: r.parts.length }));
}

/** Reads every record under `prefix`, reassembled from its parts: the key below the prefix, its JSON, its part count. */
export async function readRecords(kv: Deno.Kv, prefix: Deno.KvKey): Promise<StoredRecord[]> {
  const entries: Deno.KvEntry<string>[] = [];
  for await (const entry of kv.list<string>({ prefix })) entries.push(entry);
  return joinRecords(entries, prefix);
}
