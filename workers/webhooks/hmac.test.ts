import { describe, expect, it } from "vitest";
import { equalInConstantTime, type HmacHash, signHmac, utf8, verifyHmac } from "./hmac.ts";

const HASHES: HmacHash[] = ["SHA-1", "SHA-256", "SHA-512"];

describe("verifyHmac", () => {
  it.each(HASHES)("accepts Web Crypto's %s signature and refuses it with any byte changed", async (hash) => {
    const body = utf8(`{"id":"evt_1","amount":${"9".repeat(2000)}}`);
    const signature = new Uint8Array(await signHmac(hash, "s3cret", body));
    expect(await verifyHmac(hash, ["s3cret"], [signature], body)).toBe(true);
    for (const at of [0, signature.length >> 1, signature.length - 1]) {
      const forged = signature.slice();
      forged[at]! ^= 1;
      expect(await verifyHmac(hash, ["s3cret"], [forged], body), `byte ${at}`).toBe(false);
    }
    expect(await verifyHmac(hash, ["other"], [signature], body)).toBe(false);
    expect(await verifyHmac(hash, ["s3cret"], [signature], utf8("{}"))).toBe(false);
    expect(await verifyHmac(hash, ["s3cret"], [signature.slice(1)], body), "a shorter signature").toBe(false);
  });

  it("accepts any active secret and any listed signature (rotation), raw key bytes too", async () => {
    const body = utf8("payload");
    const raw = new Uint8Array([1, 2, 3, 250]);
    const signature = new Uint8Array(await signHmac("SHA-256", raw, body));
    const other = new Uint8Array(32);
    expect(await verifyHmac("SHA-256", ["old", raw], [other, signature], body)).toBe(true);
    expect(await verifyHmac("SHA-256", ["old"], [other, signature], body)).toBe(false);
  });
});

describe("equalInConstantTime", () => {
  it("is equality of bytes", () => {
    expect(equalInConstantTime(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(equalInConstantTime(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(equalInConstantTime(new Uint8Array([9, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(equalInConstantTime(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(equalInConstantTime(new Uint8Array(), new Uint8Array())).toBe(true);
  });
});
