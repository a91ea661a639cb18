/**
 * Staged transactions of the memory store (what Deno KV persists): a staged transaction is visible at once, reaches
 * storage only with the next `atomically`, in the same batch, a record written twice is stored once, and when that
 * batch is refused the memory drops the staged writes with it. A staged transaction that throws undoes itself alone.
 */
import { describe, expect, it } from "vitest";
import { MemoryCaseStore, type RecordChange } from "./memory-store.ts";

/** A store whose batches are logged, and refused while `refuse` is set. */
function loggedStore() {
  const batches: RecordChange[][] = [];
  const state = { refuse: false };
  const store = new MemoryCaseStore(async (changes) => {
    if (state.refuse) throw new Error("storage went away");
    batches.push([...changes]);
  });
  return { store, batches, state };
}

const keysOf = (batch: RecordChange[] | undefined) => (batch ?? []).map((c) => c.key.join("/"));
const WORKFLOW = { id: "wf", version: 1 };
const retry = (failures: number, notBefore: number) => ({
  failures,
  notBefore,
  lastError: { name: "Error", message: `attempt ${failures} failed` },
});

describe("staged transactions (memory store)", () => {
  it("are visible at once and stored with the next atomically, in one batch, a record written twice stored once", async () => {
    const { store, batches } = loggedStore();
    await store.atomically(() => store.openCase("k", WORKFLOW, 1));
    store.stage(() => store.updateHeader({ status: "running", at: 2 }));
    store.stage(() => store.setRetry("s1", retry(1, 5)));
    expect(store.header()?.status).toBe("running");
    expect(batches).toHaveLength(1);

    await store.atomically(() => store.updateHeader({ status: "waiting", at: 3 }));
    expect(batches).toHaveLength(2);
    expect(keysOf(batches[1])).toEqual(["header", "retry/s1"]);
    expect(JSON.parse(batches[1]![0]!.json!)).toMatchObject({ status: "waiting", updatedAt: 3 });
  });

  it("are undone with the atomically whose batch storage refuses", async () => {
    const { store, batches, state } = loggedStore();
    await store.atomically(() => store.openCase("k", WORKFLOW, 1));
    store.stage(() => store.updateHeader({ status: "running", at: 2 }));
    store.stage(() => store.setRetry("s1", retry(1, 5)));
    state.refuse = true;
    await expect(store.atomically(() => store.clearRetry("s1"))).rejects.toThrow("storage went away");
    expect(store.header()?.status).toBe("open");
    expect(store.retries()).toEqual({});

    // Nothing of the refused batch is left over for the next one.
    state.refuse = false;
    await store.atomically(() => store.updateHeader({ status: "running", at: 4 }));
    expect(keysOf(batches.at(-1))).toEqual(["header"]);
  });

  it("a staged transaction that throws undoes itself alone; the ones staged before it are kept", async () => {
    const { store, batches } = loggedStore();
    await store.atomically(() => store.openCase("k", WORKFLOW, 1));
    store.stage(() => store.setRetry("s1", retry(1, 5)));
    expect(() =>
      store.stage(() => {
        store.setRetry("s1", retry(2, 9));
        store.updateHeader({ status: "running", at: 2 });
        throw new Error("changed its mind");
      }),
    ).toThrow("changed its mind");
    expect(store.retries()).toEqual({ s1: retry(1, 5) });
    expect(store.header()?.status).toBe("open");

    await store.atomically(() => undefined);
    expect(keysOf(batches.at(-1))).toEqual(["retry/s1"]);
    expect(JSON.parse(batches.at(-1)![0]!.json!)).toEqual(retry(1, 5));
  });

  it("writes outside a transaction and nested transactions are refused", () => {
    const { store } = loggedStore();
    expect(() => store.openCase("k", WORKFLOW, 1)).toThrow("store writes belong inside");
    expect(() => store.stage(() => store.stage(() => undefined))).toThrow("do not nest");
  });
});
