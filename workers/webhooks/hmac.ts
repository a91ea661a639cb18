/**
 * HMAC on Web Crypto. `crypto.subtle.verify` compares in constant time, so no signature is ever compared with
 * `===`. Imported keys are cached per isolate: importing is the costliest part of verifying a small webhook.
 * Runs unchanged on Workers, Deno and Node.
 */
const encoder = new TextEncoder();

export type HmacHash = "SHA-1" | "SHA-256" | "SHA-512";
/** A secret as text (used as its UTF-8 bytes) or as raw key bytes (Standard Webhooks' decoded `whsec_`). */
export type HmacSecret = string | Uint8Array;

const DIGEST_BYTES: Record<HmacHash, number> = { "SHA-1": 20, "SHA-256": 32, "SHA-512": 64 };
const MAX_CACHED_KEYS = 256;
const keyCache = new Map<string, Promise<CryptoKey>>();

function cacheId(hash: HmacHash, secret: HmacSecret): string {
  return `${hash}:${typeof secret === "string" ? `t:${secret}` : `b:${bytesToBase64(secret)}`}`;
}

function importKey(hash: HmacHash, secret: HmacSecret): Promise<CryptoKey> {
  const id = cacheId(hash, secret);
  let key = keyCache.get(id);
  if (!key) {
    if (keyCache.size >= MAX_CACHED_KEYS) keyCache.clear();
    const raw = typeof secret === "string" ? encoder.encode(secret) : secret;
    key = crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, { name: "HMAC", hash }, false, [
      "sign",
      "verify",
    ]);
    keyCache.set(id, key);
  }
  return key;
}

/** Decodes hex of whole bytes; null when the text is not that. */
export function hexToBytes(hex: string): Uint8Array | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export function bytesToHex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
}

/** Decodes standard base64 (padding optional); null when the text is not base64. */
export function base64ToBytes(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  try {
    const binary = atob(text);
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    // atob rejects a length that cannot be base64; that is a malformed signature, reported as null.
    return null;
  }
}

export function bytesToBase64(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = "";
  for (let i = 0; i < view.length; i++) binary += String.fromCharCode(view[i]!);
  return btoa(binary);
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Concatenates byte arrays (a signed payload is often `prefix + body`). */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * True when any of `signatures` is the HMAC of `data` under any of `secrets` (several are active during a
 * rotation; some senders put several signatures in one header).
 * @example
 * await verifyHmac("SHA-256", ["s3cret"], [hexToBytes(sigHex)!], body) // → true | false
 */
export async function verifyHmac(
  hash: HmacHash,
  secrets: readonly HmacSecret[],
  signatures: readonly Uint8Array[],
  data: Uint8Array,
): Promise<boolean> {
  const candidates = signatures.filter((s) => s.length === DIGEST_BYTES[hash]);
  if (candidates.length === 0) return false;
  for (const secret of secrets) {
    const key = await importKey(hash, secret);
    for (const signature of candidates) {
      // Typed-array views over plain ArrayBuffers here; newer DOM typings want that said (BufferSource).
      if (
        await crypto.subtle.verify("HMAC", key, signature as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>)
      )
        return true;
    }
  }
  return false;
}

/**
 * Signs `data`; used by senders (demo traffic, simulators, tests), never on the verification path.
 * @example
 * const hex = bytesToHex(await signHmac("SHA-256", "s3cret", body));
 */
export async function signHmac(hash: HmacHash, secret: HmacSecret, data: Uint8Array | string): Promise<ArrayBuffer> {
  const key = await importKey(hash, secret);
  return crypto.subtle.sign(
    "HMAC",
    key,
    typeof data === "string" ? encoder.encode(data) : (data as Uint8Array<ArrayBuffer>),
  );
}

/** Splits a secret binding into its active secrets: comma- or whitespace-separated, so rotation needs no code. */
export function activeSecrets(binding: unknown): string[] {
  return typeof binding === "string" ? binding.split(/[\s,]+/).filter((s) => s.length > 0) : [];
}
