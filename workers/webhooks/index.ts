/**
 * The webhook kit: what every sender's verification and parsing is built from, and no sender in particular. The
 * source and scheme contracts, HMAC and timestamp helpers, the two generic schemes (Standard Webhooks, any HMAC
 * header) and the sources declared in configuration. Vendors' own schemes and sources live in
 * `connectors/<vendor>/`; ingest lists them. It imports nothing above it, so connectors can build on it.
 */

export { type CustomSourceConfig, customSource, parseCustomSources } from "./custom-sources.ts";
export { epochMs, field, text } from "./fields.ts";
export { type GenericHmacOptions, genericHmacScheme } from "./generic-hmac.ts";
export {
  activeSecrets,
  base64ToBytes,
  bytesToBase64,
  bytesToHex,
  concatBytes,
  type HmacHash,
  hexToBytes,
  signHmac,
  utf8,
  verifyHmac,
} from "./hmac.ts";
export { assertJsonDepth, jsonDepth, MAX_JSON_DEPTH } from "./json-limits.ts";
export type * from "./source.ts";
export { contentId, DEFAULT_MAX_BODY_BYTES } from "./source.ts";
export { standardWebhooksKey, standardWebhooksScheme } from "./standard-webhooks.ts";
export { checkTimestamp, parseUnixSeconds } from "./timestamp.ts";
