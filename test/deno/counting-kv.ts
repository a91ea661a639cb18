/**
 * A Deno KV with its case reads counted, every call passed through: a case is read whole with one `list` of its
 * range (workers/platform/deno/kv-case-store.ts), so tests of paths that must not read a case count `list` calls.
 */
export function countingCaseReads(kv: Deno.Kv): { kv: Deno.Kv; reads: () => number } {
  let reads = 0;
  const counted = new Proxy(kv, {
    get(target, property) {
      if (property === "list") reads++;
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: counted, reads: () => reads };
}
