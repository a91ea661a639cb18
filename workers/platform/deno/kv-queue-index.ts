/**
 * The index Deno KV's local queue lacks. Its SQLite backend takes a message off the queue by id
 * (`delete from queue where id = ?`, and the same for `queue_running`), but the queue table's only key is `(ts, id)`:
 * with nothing on `id`, every delivery scans the whole queue. Crossflow keeps one queued message per case timer (a
 * case waiting days for its customer holds one for those days), so with 100,000 waiting cases every alarm delivered
 * read the whole queue table, tens of megabytes, on the KV's single writer thread: events into those cases ran at
 * 0.15 × their rate at 1,000 cases, and opening cases slowed with every case already open (bench/RESULTS.md newcase).
 *
 * An index on `id` turns both deletes into lookups; SQLite re-plans the KV's own statements by itself when the schema
 * changes. The KV's tables and statements are untouched, so the file stays a plain Deno KV file that any Deno opens
 * (an unknown index is carried along by its migrations). Only a local file has this table: `:memory:` and a remote KV
 * are left alone.
 */
/// <reference path="./node-sqlite.d.ts" />
import { DatabaseSync } from "node:sqlite";

const INDEXES = [
  "CREATE INDEX IF NOT EXISTS crossflow_queue_id ON queue (id)",
  "CREATE INDEX IF NOT EXISTS crossflow_queue_running_id ON queue_running (id)",
];

/**
 * Adds the index to the KV file at `path`, once (idempotent). Call it after `Deno.openKv(path)` created the tables.
 * @example
 * const kv = await Deno.openKv(path);
 * indexKvQueue(path);
 */
export function indexKvQueue(path: string): void {
  if (!path || path === ":memory:" || /^[a-z]+:\/\//i.test(path)) return;
  const db = new DatabaseSync(path);
  try {
    // The KV process writes this file too: wait for its write lock instead of failing on it.
    db.exec("PRAGMA busy_timeout = 5000");
    for (const statement of INDEXES) db.exec(statement);
  } finally {
    db.close();
  }
}
