/** Contracts of the ingest gateway: how a signature scheme verifies, and how a source names its deliveries. */

export interface SignedRequest {
  method: string;
  /** The URL the sender called (Twilio and HubSpot sign it). */
  url: string;
  headers: Headers;
  /** The exact bytes the sender signed. */
  body: Uint8Array;
}

export type VerifyFailureCode = "missing_signature" | "malformed_signature" | "bad_signature" | "stale_timestamp";

/** Why a request failed verification; rendered as 401 with this code. */
export interface VerifyFailure {
  code: VerifyFailureCode;
  message: string;
}

export interface SignatureScheme {
  /** e.g. `stripe`, `standard-webhooks`, `hmac`. */
  name: string;
  /** Checks the request against every active secret; `now` is epoch ms (injected so tests control time). */
  verify(request: SignedRequest, secrets: readonly string[], now: number): Promise<VerifyFailure | null>;
}

export type BodyKind = "json" | "form";

/** A verified request with its body decoded: JSON value, or form fields for `application/x-www-form-urlencoded`. */
export interface ParsedRequest {
  url: string;
  headers: Headers;
  kind: BodyKind;
  body: unknown;
  /** The body as text (UTF-8), exactly as signed. */
  text: string;
}

/** One event inside a request (most senders send one; HubSpot batches up to 100). */
export interface Delivery {
  /** The sender's own event id: the dedupe key. */
  id: string;
  /** e.g. `invoice.payment_failed`, `issues.opened`, `ticket.created`. */
  type: string;
  occurredAt?: number;
  payload: unknown;
}

export interface WebhookSource {
  /** The `:source` segment of `POST /hooks/:source`. */
  name: string;
  scheme: SignatureScheme;
  /** The binding that holds this source's secret(s), comma-separated during a rotation. */
  secretBinding: string;
  accepts: readonly BodyKind[];
  maxBodyBytes: number;
  /** The deliveries in a verified request, or why it has none. */
  deliveries(request: ParsedRequest): Delivery[] | { error: string };
  /** A handshake answer (Slack's `url_verification`) sent instead of ingesting; undefined for a normal event. */
  handshake?(request: ParsedRequest): Record<string, unknown> | undefined;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
