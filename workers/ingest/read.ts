/**
 * Turns a raw webhook request into a verified, decoded one, in an order that leaks nothing: media type (415),
 * size (413), signature (401), and only then the body's syntax (400).
 */
import type { Context } from "hono";
import { ApiError } from "../errors.ts";
import type { BodyKind, ParsedRequest, WebhookSource } from "./source.ts";

const MEDIA_TYPES: Record<BodyKind, string> = { json: "application/json", form: "application/x-www-form-urlencoded" };

function bodyKind(contentType: string | undefined, accepts: readonly BodyKind[]): BodyKind | null {
  const media = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  // Senders label JSON variously (`application/json`, `application/vnd.x+json`, or nothing at all).
  const kind: BodyKind | null = media === MEDIA_TYPES.form ? "form" : media === "" || media === "application/json" || media.endsWith("+json") ? "json" : null;
  return kind && accepts.includes(kind) ? kind : null;
}

async function readLimited(request: Request, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new ApiError(413, "payload_too_large", `this source accepts bodies up to ${maxBytes} bytes`);
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared)) {
    if (Number(declared) > maxBytes) throw tooLarge();
    // The runtime enforces Content-Length on the body, so reading it whole is safe and the fast path.
    return new Uint8Array(await request.arrayBuffer());
  }
  if (!request.body) return new Uint8Array();
  // No (or an unparseable) Content-Length: count while streaming, so the cap still holds.
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function decode(kind: BodyKind, body: Uint8Array): { value: unknown; text: string } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
  } catch (cause) {
    throw new ApiError(400, "invalid_encoding", "webhook body is not valid UTF-8", { cause });
  }
  if (kind === "form") return { value: Object.fromEntries(new URLSearchParams(text)), text };
  try {
    return { value: JSON.parse(text), text };
  } catch (cause) {
    throw new ApiError(400, "invalid_json", "webhook body is not valid JSON", { cause });
  }
}

export async function readVerifiedRequest(c: Context, source: WebhookSource, secrets: readonly string[], now: number): Promise<ParsedRequest> {
  const kind = bodyKind(c.req.header("content-type"), source.accepts);
  if (!kind) {
    throw new ApiError(415, "unsupported_media_type", `${source.name} webhooks must be ${source.accepts.map((k) => MEDIA_TYPES[k]).join(" or ")}`);
  }
  const body = await readLimited(c.req.raw, source.maxBodyBytes);
  const failure = await source.scheme.verify({ method: c.req.method, url: c.req.url, headers: c.req.raw.headers, body }, secrets, now);
  if (failure) throw new ApiError(401, failure.code, failure.message);
  const decoded = decode(kind, body);
  if (kind === "json" && (typeof decoded.value !== "object" || decoded.value === null)) {
    throw new ApiError(400, "invalid_payload", "webhook body must be a JSON object or array");
  }
  return { url: c.req.url, headers: c.req.raw.headers, kind, body: decoded.value, text: decoded.text };
}
