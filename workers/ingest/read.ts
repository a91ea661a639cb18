/**
 * Turns a raw webhook request into a verified, decoded one, in an order that leaks nothing: media type (415),
 * size (413), signature (401), and only then the body's syntax and shape (400).
 */
import type { Context } from "hono";
import { ApiError } from "../errors.ts";
import { bytesToHex } from "../webhooks/hmac.ts";
import { assertJsonDepth } from "../webhooks/json-limits.ts";
import type { BodyKind, ParsedRequest, WebhookSource } from "../webhooks/source.ts";

const MEDIA_TYPES: Record<BodyKind, string> = { json: "application/json", form: "application/x-www-form-urlencoded" };

/**
 * How much of an oversized body is still read, and dropped, before the 413. A request answered while its sender is
 * still uploading is not reliably delivered: `wrangler dev`'s proxy turns most such answers into a 503 "worker
 * restarted", a reset connection or a stall (measured: 17 of 24 concurrent 10 MB uploads). Reading the rest without
 * keeping it lets every sender see its 413; a body past this point is cut off at once (no sender mistakes that size).
 */
export const DISCARD_LIMIT_BYTES = 32 * 1024 * 1024;

function bodyKind(contentType: string | undefined, accepts: readonly BodyKind[]): BodyKind | null {
  const media = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  // Senders label JSON variously (`application/json`, `application/vnd.x+json`, or nothing at all).
  const kind: BodyKind | null =
    media === MEDIA_TYPES.form
      ? "form"
      : media === "" || media === "application/json" || media.endsWith("+json")
        ? "json"
        : null;
  return kind && accepts.includes(kind) ? kind : null;
}

function declaredLength(headers: Headers): number | null {
  const declared = headers.get("content-length");
  return declared !== null && /^\d{1,15}$/.test(declared) ? Number(declared) : null;
}

/** Reads and drops what is left of a refused body, up to {@link DISCARD_LIMIT_BYTES}, then lets go of the stream. */
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, seen: number): Promise<void> {
  try {
    while (seen <= DISCARD_LIMIT_BYTES) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The sender hung up or the stream broke: the body is refused either way, and the 413 still stands.
  }
}

/**
 * The body, never holding more than `maxBytes`: each chunk is counted as it arrives (a Content-Length is only a
 * claim), and the first byte past the cap ends the read with a 413.
 */
async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new ApiError(413, "payload_too_large", `this source accepts bodies up to ${maxBytes} bytes`);
  const declared = declaredLength(request.headers);
  if (!request.body) return new Uint8Array();
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  if (declared !== null && declared > maxBytes) {
    // Announced too large: nothing of it is kept; one announced past the discard limit is not read at all.
    await discardRest(reader, declared > DISCARD_LIMIT_BYTES ? Infinity : 0);
    throw tooLarge();
  }
  let buffer = new Uint8Array(declared ?? Math.min(maxBytes, 64 * 1024));
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (cause) {
      // The sender closed the connection before the body it announced was complete.
      throw new ApiError(400, "incomplete_body", "the request body ended before it was complete", { cause });
    }
    if (chunk.done) break;
    const value = chunk.value;
    if (size + value.byteLength > maxBytes) {
      await discardRest(reader, size + value.byteLength);
      throw tooLarge();
    }
    if (size + value.byteLength > buffer.length) {
      const grown = new Uint8Array(Math.min(maxBytes, Math.max(buffer.length * 2, size + value.byteLength)));
      grown.set(buffer.subarray(0, size));
      buffer = grown;
    }
    buffer.set(value, size);
    size += value.byteLength;
  }
  return size === buffer.length ? buffer : buffer.subarray(0, size);
}

function decode(kind: BodyKind, body: Uint8Array): { value: unknown; text: string } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
  } catch (cause) {
    throw new ApiError(400, "invalid_encoding", "webhook body is not valid UTF-8", { cause });
  }
  if (kind === "form") return { value: Object.fromEntries(new URLSearchParams(text)), text };
  // Before parsing: a body nested thousands deep parses, but could never be stored and read back.
  assertJsonDepth(text);
  try {
    return { value: JSON.parse(text), text };
  } catch (cause) {
    throw new ApiError(400, "invalid_json", "webhook body is not valid JSON", { cause });
  }
}

export async function readVerifiedRequest(
  c: Context,
  source: WebhookSource,
  secrets: readonly string[],
  now: number,
): Promise<ParsedRequest> {
  const kind = bodyKind(c.req.header("content-type"), source.accepts);
  if (!kind) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      `${source.name} webhooks must be ${source.accepts.map((k) => MEDIA_TYPES[k]).join(" or ")}`,
    );
  }
  const body = await readCapped(c.req.raw, source.maxBodyBytes);
  const failure = await source.scheme.verify(
    { method: c.req.method, url: c.req.url, headers: c.req.raw.headers, body },
    secrets,
    now,
  );
  if (failure) throw new ApiError(401, failure.code, failure.message);
  const decoded = decode(kind, body);
  if (kind === "json" && (typeof decoded.value !== "object" || decoded.value === null)) {
    throw new ApiError(400, "invalid_payload", "webhook body must be a JSON object or array");
  }
  const bodySha256 = source.contentIdentity
    ? bytesToHex(await crypto.subtle.digest("SHA-256", body as Uint8Array<ArrayBuffer>))
    : undefined;
  return {
    url: c.req.url,
    headers: c.req.raw.headers,
    kind,
    body: decoded.value,
    text: decoded.text,
    ...(bodySha256 && { bodySha256 }),
  };
}
