/**
 * HMAC verification on Web Crypto. `crypto.subtle.verify` compares in constant time, so no signature is ever
 * compared with `===`. Runs unchanged on Workers, Deno and Node.
 */
const encoder = new TextEncoder();

export type HmacHash = "SHA-1" | "SHA-256" | "SHA-512";

async function importKey(secret: string, hash: HmacHash, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash }, false, [usage]);
}

/** Decodes lowercase or uppercase hex; null when the text is not hex of whole bytes. */
export function hexToBytes(hex: string): Uint8Array | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export function bytesToHex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * True when `signature` is the HMAC of `data` under any of `secrets` (several are active during a rotation).
 * @example
 * await verifyHmac("SHA-256", ["s3cret"], hexToBytes(sigHex)!, body) // → true | false
 */
export async function verifyHmac(hash: HmacHash, secrets: readonly string[], signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  for (const secret of secrets) {
    const key = await importKey(secret, hash, "verify");
    if (await crypto.subtle.verify("HMAC", key, signature, data)) return true;
  }
  return false;
}

/**
 * Signs `data`; used by senders in tests, the demo and the simulators, never on the verification path.
 * @example
 * const hex = bytesToHex(await signHmac("SHA-256", "s3cret", body));
 */
export async function signHmac(hash: HmacHash, secret: string, data: Uint8Array | string): Promise<ArrayBuffer> {
  const key = await importKey(secret, hash, "sign");
  return crypto.subtle.sign("HMAC", key, typeof data === "string" ? encoder.encode(data) : data);
}

/** Splits a secret binding into its active secrets: comma- or whitespace-separated, so rotation needs no code. */
export function activeSecrets(binding: string | undefined): string[] {
  return (binding ?? "").split(/[\s,]+/).filter((s) => s.length > 0);
}
