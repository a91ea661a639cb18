/**
 * Every request passes here: the session cookie becomes `locals.user`, and nobody unauthenticated gets past
 * except to the sign-in page. A page asked for in a browser is redirected to `/login?next=…`; an endpoint
 * (`+server.ts`), a form action or any other non-GET request is answered 401 JSON. Every response this returns
 * (pages, endpoints, refusals) carries the security headers below; the pages' Content-Security-Policy comes from
 * `kit.csp` in svelte.config.js. (SvelteKit builds the thrown sign-in redirect itself, with the cookie it clears.)
 */
import { type Handle, json, redirect } from "@sveltejs/kit";
import { lookupSession } from "$lib/server/accounts/index.ts";
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from "$lib/server/auth/session";
import { metricsDb } from "$lib/server/db";

/** Routes anyone may reach: the sign-in page (its GET and its form action). */
const PUBLIC_ROUTES = new Set(["/login"]);

/** Route ids (`/cases/[workflow]/[key]`) with a `+page.svelte` or a `+server.ts`, read from the routes folder at build time. */
const routeIds = (files: Record<string, unknown>, file: string) =>
  new Set(Object.keys(files).map((path) => path.slice("/src/routes".length, -file.length - 1) || "/"));
const PAGE_ROUTES = routeIds(import.meta.glob("/src/routes/**/+page.svelte"), "+page.svelte");
const ENDPOINT_ROUTES = routeIds(import.meta.glob("/src/routes/**/+server.ts"), "+server.ts");

/**
 * SvelteKit's own origin check refuses cross-site form posts in production builds but not under `vite dev`
 * (which `npm start` runs), so the same rule is applied here for both: a state-changing request that names
 * another origin, or a form post that names none, is refused before anything else runs.
 */
function crossSite(request: Request, url: URL): boolean {
  if (["GET", "HEAD", "OPTIONS"].includes(request.method)) return false;
  const origin = request.headers.get("origin");
  if (origin) return origin !== url.origin;
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  return ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"].includes(type);
}

/** Sent on every response: no MIME sniffing, no framing, no full URL (case keys) in the Referer of links away. */
const SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "strict-origin-when-cross-origin",
};

/** SvelteKit sets the CSP on pages only; endpoints and refusals get `frame-ancestors 'none'` here. */
const FALLBACK_CSP = "default-src 'none'; frame-ancestors 'none'";

export const handle: Handle = async (input) => {
  const response = await guard(input);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
  if (!response.headers.has("content-security-policy")) response.headers.set("Content-Security-Policy", FALLBACK_CSP);
  return response;
};

const guard: Handle = async ({ event, resolve }) => {
  if (crossSite(event.request, event.url)) {
    return json(
      { error: { code: "cross_site", message: `Cross-site ${event.request.method} requests are forbidden.` } },
      { status: 403 },
    );
  }
  event.locals.user = null;
  const token = event.cookies.get(SESSION_COOKIE);
  if (token) {
    const session = await lookupSession(metricsDb(), token);
    if (session) {
      event.locals.user = session.user;
      if (session.renewedUntil) setSessionCookie(event.cookies, event.url, token, session.renewedUntil);
    } else {
      clearSessionCookie(event.cookies, event.url);
    }
  }
  if (event.locals.user || (event.route.id && PUBLIC_ROUTES.has(event.route.id))) return resolve(event);

  const { method, headers } = event.request;
  const id = event.route.id;
  const hasPage = id === null || PAGE_ROUTES.has(id);
  // A route with both serves its endpoint unless the browser asks for HTML (SvelteKit's content negotiation).
  const servesPage =
    hasPage &&
    (event.isDataRequest || !ENDPOINT_ROUTES.has(id!) || (headers.get("accept") ?? "").includes("text/html"));
  if ((method === "GET" || method === "HEAD") && servesPage) {
    const next = event.url.pathname + event.url.search;
    redirect(303, next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`);
  }
  return json(
    { error: { code: "unauthenticated", message: "Sign in first: this needs a dashboard session." } },
    { status: 401 },
  );
};
