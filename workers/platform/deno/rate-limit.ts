/** A per-key fixed-window limiter for one process (the Cloudflare rate-limit binding's counterpart on Deno). */
export function fixedWindowLimiter(limit: number, windowMs: number, now: () => number = Date.now) {
  const windows = new Map<string, { start: number; count: number }>();
  return async (key: string): Promise<boolean> => {
    const at = now();
    let window = windows.get(key);
    if (!window || at - window.start >= windowMs) {
      window = { start: at, count: 0 };
      windows.set(key, window);
    }
    window.count++;
    return window.count <= limit;
  };
}
