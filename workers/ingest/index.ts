import { github } from "./github.ts";
import type { WebhookSource } from "./source.ts";

export type { DeliveryIdentity, SignedRequest, VerifyFailure, WebhookSource } from "./source.ts";
export { activeSecrets, bytesToHex, hexToBytes, signHmac, verifyHmac } from "./hmac.ts";

/** Every sender Crossflow accepts, by the `:source` segment of `POST /hooks/:source`. */
export const SOURCES: Readonly<Record<string, WebhookSource<any>>> = { github };
