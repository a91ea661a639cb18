/**
 * The customer's chat link: a token naming one case (workflow, key, which of the key's cases) and when it expires,
 * HMAC-SHA-256-signed with the deployment's `CHAT_LINK_SECRET` (several, comma-separated, during a rotation: any of
 * them verifies, the first signs). Anyone holding the link talks to that case until it expires, as anyone holding an
 * email's reply-to address does; nothing else of the case is reachable with it.
 */
import { z } from "zod";
import { activeSecrets, bytesToHex, hexToBytes, signHmac, utf8, verifyHmac } from "../../webhooks/hmac.ts";

/** The binding that holds the signing secret(s). */
export const CHAT_LINK_SECRET = "CHAT_LINK_SECRET";
/** How long a link the workflow sends stays valid. */
export const CHAT_LINK_TTL_MS = 7 * 24 * 3_600_000;

const Claims = z.object({
  /** workflow id */
  w: z.string().min(1).max(100),
  /** case key */
  k: z.string().min(1).max(500),
  /** which of the key's cases (1 for the first) */
  s: z.number().int().min(1),
  /** expiry, epoch ms */
  e: z.number().int(),
});

export interface ChatLinkClaims {
  workflowId: string;
  caseKey: string;
  seq: number;
  expiresAt: number;
}

export type ChatLinkVerdict =
  | { ok: true; claims: ChatLinkClaims }
  | { ok: false; code: "chat_link_invalid" | "chat_link_expired" | "chat_not_configured"; message: string };

const toBase64Url = (text: string) =>
  btoa(String.fromCharCode(...utf8(text)))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
const fromBase64Url = (text: string): string | null => {
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
  } catch {
    return null;
  }
};

/**
 * A signed token for the case; null when no secret is configured.
 * @example await signChatLink(env, { workflowId: "customer-onboarding", caseKey: "customer:anna@example.de", seq: 1, expiresAt: Date.now() + CHAT_LINK_TTL_MS }) // → "eyJ3Ijoi….3f9a…"
 */
export async function signChatLink(
  config: Readonly<Record<string, unknown>>,
  claims: ChatLinkClaims,
): Promise<string | null> {
  const secret = activeSecrets(config[CHAT_LINK_SECRET])[0];
  if (!secret) return null;
  const body = toBase64Url(
    JSON.stringify({ w: claims.workflowId, k: claims.caseKey, s: claims.seq, e: claims.expiresAt }),
  );
  return `${body}.${bytesToHex(await signHmac("SHA-256", secret, body))}`;
}

/**
 * Checks a token's signature (in constant time, by Web Crypto) and then its expiry.
 * @example const verdict = await verifyChatLink(env, token, Date.now()); if (!verdict.ok) return c.json({ error: { code: verdict.code, message: verdict.message } }, 403);
 */
export async function verifyChatLink(
  config: Readonly<Record<string, unknown>>,
  token: string,
  now: number,
): Promise<ChatLinkVerdict> {
  const secrets = activeSecrets(config[CHAT_LINK_SECRET]);
  if (secrets.length === 0)
    return { ok: false, code: "chat_not_configured", message: "chat is not configured on this deployment" };
  const invalid = { ok: false, code: "chat_link_invalid", message: "this chat link is not valid" } as const;
  const [body, signature, ...rest] = token.split(".");
  const signatureBytes = signature ? hexToBytes(signature) : null;
  if (!body || !signatureBytes || rest.length > 0 || token.length > 2_000) return invalid;
  if (!(await verifyHmac("SHA-256", secrets, [signatureBytes], utf8(body)))) return invalid;
  const json = fromBase64Url(body);
  let parsed: unknown;
  try {
    parsed = json === null ? null : JSON.parse(json);
  } catch {
    return invalid;
  }
  const claims = Claims.safeParse(parsed);
  if (!claims.success) return invalid;
  if (claims.data.e <= now)
    return { ok: false, code: "chat_link_expired", message: "this chat link has expired: please ask us for a new one" };
  return {
    ok: true,
    claims: { workflowId: claims.data.w, caseKey: claims.data.k, seq: claims.data.s, expiresAt: claims.data.e },
  };
}
