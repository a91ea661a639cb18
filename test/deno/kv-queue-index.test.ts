/**
 * The queue index of a local Deno KV file (workers/platform/deno/kv-queue-index.ts): the backend's own statements for
 * taking a message off the queue become lookups instead of scans, and the queue delivers exactly as before.
 */
/// <reference path="../../workers/platform/deno/node-sqlite.d.ts" />
import { DatabaseSync } from "node:sqlite";
import { indexKvQueue } from "../../workers/platform/deno/kv-queue-index.ts";
import { expectEqual } from "../contract/expect.ts";

/** The statements Deno KV's SQLite backend runs to take a delivered message off its tables (denokv sqlite/backend.rs). */
const BACKEND_DELETES = ["delete from queue where id = ?", "delete from queue_running where id = ?"];

const plansOf = (path: string) => {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return BACKEND_DELETES.map((sql) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all("x") as { detail: string }[]).map((r) => r.detail).join("; "),
    );
  } finally {
    db.close();
  }
};

Deno.test("KV queue index: a delivered message is found by its id, not by scanning the queue, and delivery is unchanged", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv.sqlite3`;
  const kv = await Deno.openKv(path);
  try {
    // Timers far out stay queued (as a waiting case's do); the queue is what a delivery used to scan.
    for (let i = 0; i < 50; i++) await kv.enqueue({ n: `later-${i}` }, { delay: 3_600_000 });
    expectEqual(
      plansOf(path).every((plan) => plan.startsWith("SCAN")),
      true,
      "Deno KV as shipped scans the queue to delete one message",
    );

    indexKvQueue(path);
    indexKvQueue(path); // idempotent: every start calls it
    expectEqual(
      plansOf(path),
      [
        "SEARCH queue USING INDEX crossflow_queue_id (id=?)",
        "SEARCH queue_running USING INDEX crossflow_queue_running_id (id=?)",
      ],
      "the backend's deletes use the index",
    );

    // The open KV re-plans by itself: messages enqueued before and after are delivered, once each.
    const delivered: string[] = [];
    const done = Promise.withResolvers<void>();
    kv.listenQueue((m: unknown) => {
      delivered.push((m as { n: string }).n);
      if (delivered.length === 2) done.resolve();
    });
    await kv.enqueue({ n: "now-1" });
    await kv.enqueue({ n: "now-2" });
    await done.promise;
    await new Promise((r) => setTimeout(r, 200));
    expectEqual(delivered.sort(), ["now-1", "now-2"], "messages delivered once each");
    const db = new DatabaseSync(path, { readOnly: true });
    const left = db.prepare("SELECT count(*) AS n FROM queue").get() as { n: number };
    db.close();
    expectEqual(left.n, 50, "the delivered messages left the queue; the later ones stay");
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("KV queue index: an in-memory, default or remote KV has no file of ours to index and is left alone", () => {
  // Opening any of these as a file would find no queue table (or create a stray file): each would throw.
  for (const path of [":memory:", "", "https://api.deno.com/databases/x/connect"]) indexKvQueue(path);
});
