/** The session cookie: a random token (the database keeps only its SHA-256), HttpOnly, SameSite=Lax, Secure on https. */
import type { Cookies } from "@sveltejs/kit";

export const SESSION_COOKIE = "crossflow_session";

export function setSessionCookie(cookies: Cookies, url: URL, token: string, expiresAt: number): void {
  cookies.set(SESSION_COOKIE, token, { path: "/", httpOnly: true, sameSite: "lax", secure: url.protocol === "https:", expires: new Date(expiresAt) });
}

export function clearSessionCookie(cookies: Cookies, url: URL): void {
  cookies.delete(SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "lax", secure: url.protocol === "https:" });
}

/** Where to go after signing in: a path on this site only (never `//evil.example` or an absolute URL). */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}
