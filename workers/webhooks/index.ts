/**
 * The webhook kit: what every sender's verification and parsing is built from, and no sender in particular. The
 * source and scheme contracts, HMAC and timestamp helpers, the two generic schemes (Standard Webhooks, any HMAC
 * header) and the sources declared in configuration. Vendors' own schemes and sources live in
 * `connectors/<vendor>/`; ingest lists them. It imports nothing above it, so connectors can build on it.
 */
export type * from "./source.ts";
export { contentId, DEFAULT_MAX_BODY_BYTES } from "./source.ts";
export {
  activeSecrets,
  base64ToBytes,
  bytesToBase64,
  bytesToHex,
  concatBytes,
  hexToBytes,
  signHmac,
  utf8,
  verifyHmac,
  type HmacHash,
} from "./hmac.ts";
export { checkTimestamp, parseUnixSeconds } from "./timestamp.ts";
export { genericHmacScheme, type GenericHmacOptions } from "./generic-hmac.ts";
export { standardWebhooksKey, standardWebhooksScheme } from "./standard-webhooks.ts";
export { customSource, parseCustomSources, type CustomSourceConfig } from "./custom-sources.ts";
export { epochMs, field, text } from "./fields.ts";
export { assertJsonDepth, jsonDepth, MAX_JSON_DEPTH } from "./json-limits.ts";
