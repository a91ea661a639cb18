/**
 * Twilio: `X-Twilio-Signature: base64(HMAC-SHA1(url + each POST param name and value, sorted by name))` under
 * the account's auth token. JSON bodies are signed through the URL, which then carries `bodySHA256`.
 * https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
import { base64ToBytes, bytesToHex, utf8, verifyHmac } from "../hmac.ts";
import type { SignatureScheme } from "../source.ts";

/** The string Twilio signs for a form POST: the URL, then every parameter's name and value, sorted by name. */
export function twilioSignedString(url: string, params: URLSearchParams): string {
  const names = [...new Set(params.keys())].sort();
  return url + names.map((name) => params.getAll(name).sort().map((value) => name + value).join("")).join("");
}

export const twilioScheme: SignatureScheme = {
  name: "twilio",
  async verify(request, secrets) {
    const header = request.headers.get("x-twilio-signature");
    if (!header) return { code: "missing_signature", message: "X-Twilio-Signature header is required" };
    const signature = base64ToBytes(header);
    if (!signature || signature.length !== 20) return { code: "malformed_signature", message: "X-Twilio-Signature must be a base64 HMAC-SHA1" };
    const bodyHash = new URL(request.url).searchParams.get("bodySHA256");
    let signed: string;
    if (bodyHash !== null) {
      const actual = bytesToHex(await crypto.subtle.digest("SHA-256", request.body));
      if (actual !== bodyHash.toLowerCase()) return { code: "bad_signature", message: "bodySHA256 in the URL does not match the body" };
      signed = request.url;
    } else {
      signed = twilioSignedString(request.url, new URLSearchParams(new TextDecoder().decode(request.body)));
    }
    const valid = await verifyHmac("SHA-1", secrets, [signature], utf8(signed));
    return valid ? null : { code: "bad_signature", message: "X-Twilio-Signature does not match the URL and parameters" };
  },
};
