/** Contracts of a webhook sender: how its signature scheme verifies, and how its source names its deliveries. */
import type { HumanActor } from "../engine/index.ts";

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
  /**
   * Hex SHA-256 of the body bytes, for sources that set `contentIdentity`: what names a delivery whose own id
   * travels in a header the signature does not cover.
   */
  bodySha256?: string;
}

/** One event inside a request (most senders send one; HubSpot batches up to 100). */
export interface Delivery {
  /**
   * The dedupe key: the sender's own event id where the signature covers it (Stripe `evt_…`, `webhook-id`), else
   * `sha256:<hex of the signed body>` (see {@link contentId}), so a captured request re-sent under a new id header is
   * the same delivery.
   */
  id: string;
  /** The sender's own delivery id when `id` is derived from the content instead (`X-GitHub-Delivery`, …). */
  senderId?: string;
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
  /**
   * The source names deliveries by a header its signature does not cover, so the reader hashes the body
   * (`ParsedRequest.bodySha256`) for `deliveries` to name them by content instead.
   */
  contentIdentity?: boolean;
  /** The deliveries in a verified request, or why it has none. */
  deliveries(request: ParsedRequest): Delivery[] | { error: string };
  /** A handshake answer (Slack's `url_verification`) sent instead of ingesting; undefined for a normal event. */
  handshake?(request: ParsedRequest): Record<string, unknown> | undefined;
  /**
   * The decision a request's deliveries carry instead of events for a workflow (a click on Slack's approval
   * buttons), or undefined to route them as usual. `config` is the deployment's configuration, which says who may
   * decide. The ingest route carries the decision out; the source only reads it.
   */
  decision?(deliveries: readonly Delivery[], config: Readonly<Record<string, unknown>>): DeliveredDecision | undefined;
}

/**
 * A person's decision on a waiting case that arrived as a delivery, as its source reads it; carried out through the
 * same checks as the case API's decisions.
 */
export interface DeliveredDecision {
  workflow: string;
  caseKey: string;
  /** Which of the key's cases; none names the key's first (messages posted before cases were numbered). */
  seq?: number;
  /** The step waiting for the decision. */
  step: string;
  decision: "approve" | "reject";
  /** The decision's own id: a repeated delivery of it decides once. */
  id: string;
  /** The approver the sender's user is, or why they may decide nothing (the refusal is audited under `actorId`). */
  by: { actor: HumanActor } | { refused: string; actorId: string };
  /** Where the decision came from, kept with it in the audit trail. */
  note: string;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The dedupe id of a delivery named by its content: the SHA-256 of the signed body. Only the body: a sender that
 * retries re-signs with a new timestamp but the same body, and that retry must stay a duplicate.
 * @example
 * contentId(request) // → "sha256:9f86d081…" (the source sets `contentIdentity`, so the reader hashed the body)
 */
export function contentId(request: ParsedRequest): string {
  if (!request.bodySha256)
    throw new TypeError("the body was not hashed: a source that names deliveries by content sets contentIdentity");
  return `sha256:${request.bodySha256}`;
}
