/**
 * Any other sender that signs with an HMAC: header, hash, encoding, optional prefix, optional timestamp header
 * and the layout of the signed content, all configured rather than coded.
 */
import { base64ToBytes, concatBytes, type HmacHash, hexToBytes, utf8, verifyHmac } from "./hmac.ts";
import type { SignatureScheme } from "./source.ts";
import { checkTimestamp, parseUnixSeconds } from "./timestamp.ts";

export interface GenericHmacOptions {
  /** Header carrying the signature, e.g. `X-Signature`. */
  header: string;
  hash: HmacHash;
  encoding: "hex" | "base64";
  /** Text before the signature in the header, e.g. `sha256=`. */
  prefix?: string;
  /** Header with a Unix timestamp (seconds) that is part of the signed content. */
  timestampHeader?: string;
  toleranceSeconds?: number;
  /**
   * What was signed, with `{timestamp}` and `{body}` placeholders; `{body}` is the raw bytes.
   * Default `{body}`, or `{timestamp}.{body}` when a timestamp header is configured.
   */
  signedContent?: string;
}

export function genericHmacScheme(options: GenericHmacOptions): SignatureScheme {
  const template = options.signedContent ?? (options.timestampHeader ? "{timestamp}.{body}" : "{body}");
  if (!template.includes("{body}")) throw new TypeError("generic HMAC signedContent must include {body}");
  if (template.includes("{timestamp}") && !options.timestampHeader)
    throw new TypeError("generic HMAC signedContent uses {timestamp} but no timestampHeader is set");
  const [before, after] = template.split("{body}") as [string, string];
  const prefix = options.prefix ?? "";
  return {
    name: "hmac",
    async verify(request, secrets, now) {
      const header = request.headers.get(options.header);
      if (!header) return { code: "missing_signature", message: `${options.header} header is required` };
      const text = header.startsWith(prefix) ? header.slice(prefix.length).trim() : null;
      const signature = text === null ? null : options.encoding === "hex" ? hexToBytes(text) : base64ToBytes(text);
      if (!signature)
        return {
          code: "malformed_signature",
          message: `${options.header} must be ${prefix}<${options.encoding} ${options.hash} HMAC>`,
        };
      let timestamp = "";
      if (options.timestampHeader) {
        timestamp = request.headers.get(options.timestampHeader) ?? "";
        if (!timestamp) return { code: "missing_signature", message: `${options.timestampHeader} header is required` };
        const stale = checkTimestamp(
          parseUnixSeconds(timestamp),
          now,
          options.toleranceSeconds ?? 300,
          options.timestampHeader,
        );
        if (stale) return stale;
      }
      const fill = (part: string) => utf8(part.replaceAll("{timestamp}", timestamp));
      const valid = await verifyHmac(
        options.hash,
        secrets,
        [signature],
        concatBytes(fill(before), request.body, fill(after)),
      );
      return valid ? null : { code: "bad_signature", message: `${options.header} does not match the signed content` };
    },
  };
}
