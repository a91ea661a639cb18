/** The depth scan agrees with the parser on what is nested, whatever the strings contain. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonDepth, MAX_JSON_DEPTH } from "./json-limits.ts";

/** The nesting of a parsed value, for comparison (recursive: only for the small values generated here). */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce<number>((deepest, child) => Math.max(deepest, depthOf(child)), 0);
}

describe("jsonDepth", () => {
  it("counts arrays and objects, not scalars", () => {
    expect(jsonDepth("0")).toBe(0);
    expect(jsonDepth('"x"')).toBe(0);
    expect(jsonDepth("[]")).toBe(1);
    expect(jsonDepth('{"a":[1,{"b":[]}],"c":{}}')).toBe(4);
  });

  it("skips brackets inside strings, with escaped quotes and escaped backslashes before a closing quote", () => {
    expect(jsonDepth('["[[[{{{"]')).toBe(1);
    expect(jsonDepth('["a\\"[[[", "]]]"]')).toBe(1);
    expect(jsonDepth('["a\\\\", [[0]]]')).toBe(3);
    expect(jsonDepth('["\\\\\\"[", []]')).toBe(2);
  });

  it("stops counting past the limit, and reads an unterminated string as the end", () => {
    expect(jsonDepth("[".repeat(1_000_000), MAX_JSON_DEPTH)).toBe(MAX_JSON_DEPTH + 1);
    expect(jsonDepth('[["abc')).toBe(2);
  });

  it("agrees with JSON.parse on any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const text = JSON.stringify(value);
        expect(jsonDepth(text, Infinity)).toBe(depthOf(JSON.parse(text)));
      }),
      { numRuns: 2_000 },
    );
  });
});
