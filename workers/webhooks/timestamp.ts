import type { VerifyFailure } from "./source.ts";

/** Rejects a signed timestamp outside ± `toleranceSeconds` of now: an old capture replayed, or a clock far off. */
export function checkTimestamp(
  timestampMs: number,
  now: number,
  toleranceSeconds: number,
  header: string,
): VerifyFailure | null {
  if (!Number.isFinite(timestampMs))
    return { code: "malformed_signature", message: `${header} is not a valid timestamp` };
  const skew = Math.abs(now - timestampMs) / 1000;
  if (skew > toleranceSeconds) {
    const direction = timestampMs < now ? "old" : "in the future";
    return {
      code: "stale_timestamp",
      message: `${header} is ${Math.round(skew)} s ${direction}; the tolerance is ${toleranceSeconds} s`,
    };
  }
  return null;
}

/** Parses a whole-number Unix timestamp in seconds, strictly (no `1e3`, no spaces). */
export function parseUnixSeconds(text: string | null | undefined): number {
  return text && /^\d{1,12}$/.test(text) ? Number(text) * 1000 : Number.NaN;
}
