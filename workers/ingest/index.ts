export type * from "./source.ts";
export { activeSecrets, base64ToBytes, bytesToBase64, bytesToHex, hexToBytes, signHmac, verifyHmac } from "./hmac.ts";
export { dispatchDelivery, type CaseDirectory, type DeadLetterSink, type DispatchDeps, type DispatchResult } from "./dispatch.ts";
export { BUILT_IN_SOURCES, resolveSources } from "./sources/index.ts";
