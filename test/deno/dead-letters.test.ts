/** Dead letters on Deno KV keep the dead-letter Durable Object's contract. */
import { kvDeadLetters } from "../../workers/platform/deno/kv-dead-letters.ts";
import { expectEqual } from "../contract/expect.ts";

const entry = (eventId: string, source = "stripe") => ({
  source,
  eventId,
  type: "charge.refunded",
  reason: "no workflow takes stripe charge.refunded",
  receivedAt: 1_000,
  payload: { id: eventId, big: "x".repeat(40_000) },
});

Deno.test("dead letters on Deno KV: one per event, newest first, filtered, paged, replayed once, payload intact", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = kvDeadLetters(kv, () => 5_000);
    expectEqual(await store.add(entry("evt_1")), { id: 1, duplicate: false }, "first");
    expectEqual(await store.add(entry("evt_1")), { id: 1, duplicate: true }, "the same event again");
    expectEqual(await store.add(entry("evt_2", "hubspot")), { id: 2, duplicate: false }, "second");
    expectEqual(await store.add(entry("evt_3")), { id: 3, duplicate: false }, "third");

    expectEqual(
      (await store.list({})).map((d) => d.id),
      [3, 2, 1],
      "newest first",
    );
    expectEqual(
      (await store.list({ source: "stripe" })).map((d) => d.id),
      [3, 1],
      "by source",
    );
    expectEqual(
      (await store.list({ limit: 1, before: 3 })).map((d) => d.id),
      [2],
      "paged",
    );

    const full = await store.get(1);
    expectEqual(
      (full?.payload as { big: string } | undefined)?.big.length,
      40_000,
      "a payload larger than one KV value comes back whole",
    );
    await store.markReplayed(1, { status: "accepted" });
    expectEqual(
      (await store.list({ status: "replayed" })).map((d) => [d.id, d.replayedAt, d.replayResult]),
      [[1, 5_000, { status: "accepted" }]],
      "replayed",
    );
    expectEqual(
      (await store.list({})).map((d) => d.id),
      [3, 2],
      "pending no longer lists it",
    );
    expectEqual(await store.get(99), null, "unknown id");
  } finally {
    kv.close();
  }
});
