/** Errors a step throws to steer the engine's retries. Pure: usable from connectors on any runtime. */

/**
 * A failure retrying cannot fix (bad input, a rule violated): the case fails on the first attempt.
 * @example throw new FatalError("IBAN is not valid", { cause });
 */
export class FatalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FatalError";
  }
}

/**
 * Retry no sooner than `ms` from now, e.g. from a 429's `Retry-After`.
 * @example throw new RetryAfter(Number(res.headers.get("retry-after")) * 1000, "CRM rate limit");
 */
export class RetryAfter extends Error {
  constructor(
    readonly ms: number,
    message = `retry after ${ms} ms`,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RetryAfter";
  }
}
