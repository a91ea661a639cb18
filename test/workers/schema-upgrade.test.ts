/** A case stored by an earlier version keeps working after a deploy that added columns. */
import { env, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { SqliteCaseStore } from "../../workers/platform/cloudflare/sqlite-case-store.ts";

it("adds the steps table's event_seq column to a case journaled before it existed, keeping its steps", async () => {
  const steps = await runInDurableObject(env.CASES.getByName("schema-upgrade/old-case"), async (_instance, state) => {
    // The steps table as the first release created it.
    state.storage.sql.exec("DROP TABLE IF EXISTS steps");
    state.storage.sql.exec(
      "CREATE TABLE steps (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, output TEXT NOT NULL, started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL)",
    );
    state.storage.sql.exec("INSERT INTO steps VALUES (0, 'old-step', 'run', '\"done\"', 1, 2)");
    const store = new SqliteCaseStore(state.storage);
    await store.atomically(() =>
      store.appendStep({ id: "wait", kind: "waitFor", output: { seq: 3 }, startedAt: 3, finishedAt: 4, eventSeq: 3 }),
    );
    return store.steps();
  });
  expect(steps).toEqual([
    { id: "old-step", kind: "run", output: "done", startedAt: 1, finishedAt: 2 },
    { id: "wait", kind: "waitFor", output: { seq: 3 }, startedAt: 3, finishedAt: 4, eventSeq: 3 },
  ]);
});
