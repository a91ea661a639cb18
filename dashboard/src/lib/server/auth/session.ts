/** The session cookie: a random token (the database keeps only its SHA-256), HttpOnly, SameSite=Lax, Secure on https. */
import type { Cookies } from "@sveltejs/kit";

export const SESSION_COOKIE = "crossflow_session";

export function setSessionCookie(cookies: Cookies, url: URL, token: string, expiresAt: number): void {
  cookies.set(SESSION_COOKIE, token, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: url.protocol === "https:",
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(cookies: Cookies, url: URL): void {
  cookies.delete(SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "lax", secure: url.protocol === "https:" });
}

/**
 * Where to go after signing in: a path on this site only, else `/`. `next` is parsed against `origin` as a browser
 * would (which drops tabs and newlines and reads `\` as `/`), so `/%09/evil.example` or `/\evil.example` cannot
 * become another host; the answer is the parsed path, query and fragment, percent-encoded, so it is always a valid
 * `Location` header.
 * @example
 * safeNext("/cases?status=open", "https://dash.example"); // "/cases?status=open"
 * safeNext("/\t/evil.example", "https://dash.example"); // "/"
 */
export function safeNext(next: string | null | undefined, origin: string): string {
  if (!next?.startsWith("/") || next.length > 2000) return "/";
  let parsed: URL;
  try {
    parsed = new URL(next, origin);
  } catch {
    return "/";
  }
  const path = parsed.pathname + parsed.search + parsed.hash;
  // Same origin, and a path starting with a single slash (`//x` in a Location header is another host).
  if (parsed.origin !== new URL(origin).origin || !/^\/(?![/\\])/.test(path) || hasControlOrBackslash(next)) return "/";
  return path;
}

/** A control character (which browsers strip, turning `/\t/evil` into `//evil`) or a backslash (read as `/`). */
function hasControlOrBackslash(text: string): boolean {
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (code <= 0x1f || code === 0x7f || ch === "\\") return true;
  }
  return false;
}
