import { describe, expect, it } from "vitest";
import { type AuditEntry, canonicalJson, chainEntry, digest, verifyChain } from "./audit.ts";

const actor = { kind: "engine" as const, id: "crossflow" };

function chain(n: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let i = 0; i < n; i++)
    entries.push(chainEntry(entries.at(-1) ?? null, { at: 1000 + i, actor, action: `step-${i}`, detail: { i } }));
  return entries;
}

describe("audit chain", () => {
  it("verifies an untouched chain and reports its head", () => {
    const entries = chain(5);
    expect(verifyChain(entries)).toEqual({ valid: true, entries: 5, head: entries[4]!.hash });
    expect(verifyChain([])).toMatchObject({ valid: true, entries: 0 });
  });

  it("fails at the entry whose content was changed", () => {
    const entries = chain(5);
    entries[2] = { ...entries[2]!, detail: { i: 99 } };
    expect(verifyChain(entries)).toMatchObject({
      valid: false,
      brokenAt: 3,
      reason: "entry 3 does not match its hash",
    });
  });

  it("fails where an entry was removed or the order changed", () => {
    const removed = chain(5).filter((e) => e.seq !== 2);
    expect(verifyChain(removed)).toMatchObject({ valid: false, brokenAt: 3 });
    const swapped = chain(3);
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    expect(verifyChain(swapped)).toMatchObject({ valid: false, brokenAt: 2 });
  });

  it("fails where an entry was rewritten with a fresh hash but the next one still links to the old", () => {
    const entries = chain(4);
    const forged = chainEntry({ seq: 1, hash: entries[0]!.hash }, { at: 1, actor, action: "forged" });
    entries[1] = forged;
    expect(verifyChain(entries)).toMatchObject({
      valid: false,
      brokenAt: 3,
      reason: "entry 3 does not link to entry 2",
    });
  });

  it("hashes canonically, independent of key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(digest({ a: 1, b: 2 })).toBe(digest({ b: 2, a: 1 }));
    expect(digest("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
