/** The contract every webhook sender implements: verify the raw request, then name the delivery. */

export interface SignedRequest {
  method: string;
  url: string;
  headers: Headers;
  /** The exact bytes the sender signed. */
  body: Uint8Array;
}

/** Why a request failed verification; rendered as 401 with this code. */
export type VerifyFailure = { code: "missing_signature" | "bad_signature" | "stale_timestamp"; message: string };

export interface DeliveryIdentity {
  /** The sender's own delivery id (dedupe key). */
  id: string;
  /** `<event>` or `<event>.<action>`, e.g. `issues.opened`. */
  type: string;
  occurredAt?: number;
}

export interface WebhookSource<E = Record<string, string | undefined>> {
  name: string;
  /** The active secrets for this source from the bindings; empty means the source is not configured. */
  secrets(env: E): string[];
  verify(request: SignedRequest, secrets: string[]): Promise<VerifyFailure | null>;
  /** Reads the delivery id and event type; a message when the request lacks them. */
  identify(headers: Headers, payload: unknown): DeliveryIdentity | { error: string };
}
