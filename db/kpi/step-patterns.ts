/**
 * Step id patterns, as workflows declare them in their catalogue headers (which exceptions are input problems, what
 * an exception is called): `*` stands for any run of characters, everything else is literal, the whole id must match.
 */

const compiled = new Map<string, RegExp>();

/**
 * @example matchesStepPattern("document-*-again:*", "document-0-again:send") // → true
 */
export function matchesStepPattern(pattern: string, stepId: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    const body = pattern
      .split("*")
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
    re = new RegExp(`^${body}$`);
    compiled.set(pattern, re);
  }
  return re.test(stepId);
}

/** Whether any of `patterns` matches `stepId`. */
export const matchesAnyStepPattern = (patterns: readonly string[], stepId: string): boolean =>
  patterns.some((p) => matchesStepPattern(p, stepId));

/** What a workflow calls its exceptions: step id patterns and the words for each, the first match wins. */
export type ExceptionWords = readonly (readonly [pattern: string, words: string])[];

/**
 * The words a workflow declares for an exception type (its first step off the routine path), or null.
 * @example exceptionWordsOf([["payment-method:*", "Card declined: asked for another"]], "payment-method:send") // → "Card declined: asked for another"
 */
export function exceptionWordsOf(words: ExceptionWords | undefined, type: string): string | null {
  return words?.find(([pattern]) => matchesStepPattern(pattern, type))?.[1] ?? null;
}
