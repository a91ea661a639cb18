/**
 * Twilio: `X-Twilio-Signature: base64(HMAC-SHA1(url + each POST param name and value, sorted by name))` under
 * the account's auth token. JSON bodies are signed through the URL, which then carries `bodySHA256`.
 * https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
import { base64ToBytes, bytesToHex, type SignatureScheme, utf8, verifyHmac } from "../../webhooks/index.ts";

/** The string Twilio signs for a form POST: the URL, then every parameter's name and value, sorted by name. */
export function twilioSignedString(url: string, params: URLSearchParams): string {
  const names = [...new Set(params.keys())].sort();
  return (
    url +
    names
      .map((name) =>
        params
          .getAll(name)
          .sort()
          .map((value) => name + value)
          .join(""),
      )
      .join("")
  );
}

/**
 * The URLs Twilio may have signed for a request that arrived at `url`: as received, without its port and with the
 * scheme's default port, as Twilio's own validator (`validateRequest` in the `twilio` package) tries them. Behind a
 * proxy or a load balancer the URL Twilio called and the one the worker sees differ in exactly that way
 * (`https://host/…` vs `https://host:443/…`). Split by hand, not with `new URL()`, which would drop a default port.
 * @example
 * twilioUrlCandidates("https://crossflow.example/hooks/twilio")
 * // → ["https://crossflow.example/hooks/twilio", "https://crossflow.example:443/hooks/twilio"]
 */
export function twilioUrlCandidates(url: string): string[] {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return [url];
  const [prefix, scheme, authority] = match as unknown as [string, string, string];
  const userInfoEnd = authority.lastIndexOf("@");
  const userInfo = authority.slice(0, userInfoEnd + 1);
  const hostAndPort = authority.slice(userInfoEnd + 1);
  // A colon only starts the port after the closing bracket of an IPv6 literal.
  const portStart = hostAndPort.indexOf(":", hostAndPort.lastIndexOf("]") + 1);
  const host = portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart);
  const rest = url.slice(prefix.length);
  const defaultPort = scheme.toLowerCase() === "https://" ? ":443" : ":80";
  const withoutPort = scheme + userInfo + host + rest;
  const withPort = portStart === -1 ? scheme + userInfo + host + defaultPort + rest : url;
  return [...new Set([url, withoutPort, withPort])];
}

export const twilioScheme: SignatureScheme = {
  name: "twilio",
  async verify(request, secrets) {
    const header = request.headers.get("x-twilio-signature");
    if (!header) return { code: "missing_signature", message: "X-Twilio-Signature header is required" };
    const signature = base64ToBytes(header);
    if (signature?.length !== 20)
      return { code: "malformed_signature", message: "X-Twilio-Signature must be a base64 HMAC-SHA1" };
    const bodyHash = new URL(request.url).searchParams.get("bodySHA256");
    let params: URLSearchParams | undefined;
    if (bodyHash !== null) {
      // The digest of a public body is no secret, so a plain comparison is fine here; the signature is compared by
      // verifyHmac below, in constant time.
      const actual = bytesToHex(await crypto.subtle.digest("SHA-256", request.body as Uint8Array<ArrayBuffer>));
      if (actual !== bodyHash.toLowerCase())
        return { code: "bad_signature", message: "bodySHA256 in the URL does not match the body" };
    } else {
      params = new URLSearchParams(new TextDecoder().decode(request.body));
    }
    for (const url of twilioUrlCandidates(request.url)) {
      if (await verifyHmac("SHA-1", secrets, [signature], utf8(params ? twilioSignedString(url, params) : url)))
        return null;
    }
    return { code: "bad_signature", message: "X-Twilio-Signature does not match the URL and parameters" };
  },
};
