/**
 * `fn` over `items` with at most `limit` calls in flight, results in the items' order: how the scripts read many
 * cases through the case API without opening a connection per case at once.
 * @example const trails = await mapLimit(cases, 16, (ref) => readAudit(target, ref));
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
