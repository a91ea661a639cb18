/**
 * The dashboard's dev server (what `npm start` runs) against the real stack: Vite's `/@fs/` hands out no secret,
 * database or dot-file, signed in or not, and every page, refusal and endpoint answer carries the security headers,
 * with a Content-Security-Policy the pages satisfy in Chromium (no violation while they load and draw their charts).
 * A request that makes Vite or SvelteKit fail gets its status and a generic answer, never a stack trace or a path
 * of the checkout, while the dashboard's terminal still logs the whole error.
 */
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, type Stack } from "../../scripts/stack.ts";
import { useBrowserStack } from "../support/browser-stack.ts";
import { runDemo } from "../support/stack.ts";
import { eventually } from "../support/wait.ts";

const env = useBrowserStack("security");
let stack: Stack;
let url: string;

const MARK = `probe-${crypto.randomUUID().slice(0, 8)}`;
const SECRET = `secret-${crypto.randomUUID()}`;
/** Files that must never be served, each holding SECRET: in the checkout's `.data/` and inside the dashboard's own folder. */
const PROBES = [
  join(ROOT, ".data", `${MARK}.db`),
  join(ROOT, "dashboard", `.dev.vars.${MARK}`),
  join(ROOT, "dashboard", `${MARK}.db`),
  join(ROOT, "dashboard", `${MARK}.sqlite`),
  join(ROOT, "dashboard", ".wrangler", MARK, "state.json"),
];

/** Modules that fail to compile, in the dashboard's folder (outside src/, so no check or route sees them). */
const BROKEN = {
  ts: join(ROOT, "dashboard", `${MARK}-broken.ts`),
  svelte: join(ROOT, "dashboard", `${MARK}-Broken.svelte`),
};

beforeAll(async () => {
  stack = env.stack();
  url = env.url();
  writeFileSync(BROKEN.ts, "export const secretPlan = ;\n");
  writeFileSync(BROKEN.svelte, "<script>let secretPlan = ;</script>\n<p>{secretPlan</p>\n");
  for (const file of PROBES) {
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, SECRET);
  }
  writeFileSync(join(env.dataDir(), `${MARK}.db`), SECRET);
  await runDemo(stack, ["--cases", "2"]);
}, 240_000);
afterAll(() => {
  for (const file of [...PROBES, ...Object.values(BROKEN)]) rmSync(file, { force: true });
  rmSync(join(ROOT, "dashboard", ".wrangler", MARK), { recursive: true, force: true });
  try {
    rmdirSync(join(ROOT, "dashboard", ".wrangler")); // only if the probe made it (it is then empty)
  } catch {
    // not empty: someone else's state, left alone
  }
});

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "strict-origin-when-cross-origin",
};

function expectSecurityHeaders(headers: Record<string, string>, what: string): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(headers[name], `${name} on ${what}`).toBe(value);
  expect(headers["content-security-policy"], `CSP on ${what}`).toMatch(/frame-ancestors 'none'/);
}

describe("Vite's file serving", () => {
  /** 403 or 404 (or, for a stranger outside `/@fs/`, the dashboard's redirect to sign in), never the content. */
  const refused = async (path: string, cookie?: string) => {
    const res = await fetch(`${url}${path}`, { headers: cookie ? { cookie } : {}, redirect: "manual" });
    const body = await res.text();
    const toSignIn =
      !cookie && !path.startsWith("/@fs/") && res.status === 303 && res.headers.get("location")!.startsWith("/login");
    expect(toSignIn || [403, 404].includes(res.status), `${path} → ${res.status}`).toBe(true);
    expect(body, path).not.toContain(SECRET);
    expect(body, path).not.toMatch(/_SECRET=|password_hash|SQLite format/);
  };

  it("refuses the checkout's .dev.vars, its .data/ and files outside the dashboard, with or without a session", async () => {
    const devVars = readFileSync(join(ROOT, ".dev.vars"), "utf8");
    const page = await env.signedIn();
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    for (const session of [undefined, cookie]) {
      for (const path of [
        `/@fs${ROOT}.dev.vars`,
        `/@fs${ROOT}.dev.vars.example`,
        `/@fs${ROOT}.data/${MARK}.db`,
        `/@fs${ROOT}package.json`,
        `/@fs${ROOT}scripts/stack.ts`,
        `/@fs${env.dataDir()}/${MARK}.db`,
        `/@fs${ROOT}dashboard/%2e%2e/.dev.vars`,
        `/@fs${ROOT}dashboard/.dev.vars.${MARK}`,
        `/@fs${ROOT}dashboard/${MARK}.db`,
        `/@fs${ROOT}dashboard/${MARK}.sqlite`,
        `/@fs${ROOT}dashboard/.wrangler/${MARK}/state.json`,
        `/.dev.vars.${MARK}`,
        `/${MARK}.db`,
        `/${MARK}.sqlite`,
        `/.wrangler/${MARK}/state.json`,
      ]) {
        await refused(path, session);
      }
    }
    // The real .dev.vars' values never appear either (its first secret, as a sample).
    const value = devVars
      .split("\n")
      .find((l) => /^[A-Z_]+=.{8,}/.test(l))!
      .split("=")[1]!;
    const res = await fetch(`${url}/@fs${ROOT}.dev.vars`);
    expect(await res.text()).not.toContain(value);
  });

  it("still serves what the dashboard itself loads from the shared db/ folder", async () => {
    const res = await fetch(`${url}/@fs${ROOT}db/schema.ts`);
    expect(res.status).toBe(200);
  });
});

describe("security headers", () => {
  /** Opens `path`, returning the main response's headers and every CSP violation or console error the page reported. */
  async function visit(page: Page, path: string): Promise<{ headers: Record<string, string>; problems: string[] }> {
    const problems: string[] = [];
    const onConsole = (m: { text(): string }) => {
      if (/Content Security Policy|CSP violation/i.test(m.text())) problems.push(`${path}: ${m.text()}`);
    };
    page.on("console", onConsole);
    const response = await page.goto(`${url}${path}`, { waitUntil: "networkidle" });
    expect(response, path).not.toBeNull();
    expect(response!.status(), path).toBe(200);
    // Give lazily loaded charts a moment to draw (and to report any violation).
    await page.waitForTimeout(500);
    page.off("console", onConsole);
    return { headers: await response!.allHeaders(), problems };
  }

  /** Reports each CSP violation to the console, where `visit` collects it. */
  const reportViolations = (page: Page) =>
    page.addInitScript({
      content:
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the page's own script, in which the template literal runs
        'document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));',
    });

  it("are on the sign-in page, and the page raises no CSP violation", async () => {
    const page = await env.page();
    await reportViolations(page);
    const { headers, problems } = await visit(page, "/login");
    expectSecurityHeaders(headers, "/login");
    expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+'/);
    expect(problems).toEqual([]);
  });

  it("are on every signed-in page, which render and draw with no CSP violation", async () => {
    const page = await env.signedIn();
    await reportViolations(page);
    const casePath = await eventually(
      async () => {
        await page.goto(`${url}/cases`, { waitUntil: "networkidle" });
        return (
          (await page
            .locator("td.key a")
            .first()
            .getAttribute("href", { timeout: 1_000 })
            .catch(() => null)) ?? undefined
        );
      },
      60_000,
      "a case in the case list",
    );
    const workflowPath = `/workflows/${casePath.split("/")[2]}`;
    const paths = ["/", workflowPath, "/cases", casePath, "/inbox", "/readiness", "/admin/users", "/admin/keys"];
    for (const path of paths) {
      const { headers, problems } = await visit(page, path);
      expectSecurityHeaders(headers, path);
      expect(problems).toEqual([]);
    }
    // The workflow page's charts (uPlot on a canvas) drew under the policy.
    await page.goto(`${url}${workflowPath}`, { waitUntil: "networkidle" });
    await expect.poll(() => page.locator("canvas").count(), { timeout: 15_000 }).toBeGreaterThan(0);
  });

  it("are on refusals for strangers too", async () => {
    const post = await fetch(`${url}/admin/users`, {
      method: "POST",
      headers: { origin: url, "content-type": "application/json" },
      body: "{}",
    });
    expect(post.status).toBe(401);
    expectSecurityHeaders(Object.fromEntries(post.headers), "a stranger's POST");
    const crossSite = await fetch(`${url}/admin/users`, {
      method: "POST",
      headers: { origin: "https://evil.example" },
      body: "",
    });
    expect(crossSite.status).toBe(403);
    expectSecurityHeaders(Object.fromEntries(crossSite.headers), "a cross-site POST");
  });

  it("are on a signed-in person's error page", async () => {
    const page = await env.signedIn();
    const response = await page.goto(`${url}/no-such-page`);
    expect(response!.status()).toBe(404);
    expectSecurityHeaders(await response!.allHeaders(), "a 404 page");
  });
});

describe("error answers", () => {
  /** A stack frame as V8, Vite and SvelteKit print them (`    at fn (file:///…:12:5)`), or any file URL. */
  const STACK_FRAME = /^\s*at .+:\d+(:\d+)?\)?$|file:\/\//m;
  /**
   * The checkout's absolute path anywhere but in `/@fs/<checkout>/…` module URLs: every page of the dev server, a
   * 200 as much as an error page, loads its modules from those, so they are no detail of the error.
   */
  const namesCheckout = (body: string) => body.split(`/@fs${ROOT}`).join("/@fs/").includes(ROOT.replace(/\/$/, ""));
  const GENERIC = "Internal Server Error: the details are in the dashboard's terminal.";

  /** Requests that made Vite's dev server answer with the error, its stack and the checkout's paths (issue 15). */
  const FAILING: string[] = [
    // Malformed URLs: SvelteKit's dev middleware throws URIError from decodeURI.
    "/%",
    "/%E0%A4%A",
    `/@fs${ROOT}%`,
    // Modules that fail to compile, asked for directly, as an import, and by absolute path.
    `/${MARK}-broken.ts`,
    `/${MARK}-broken.ts?import`,
    `/${MARK}-Broken.svelte?import`,
    `/@fs${ROOT}dashboard/${MARK}-broken.ts?import`,
    // Malformed import queries: a style block of a plain module; one in a language with no preprocessor installed.
    "/src/lib/format.ts?svelte&type=style&lang.css",
    "/src/lib/LiveRefresh.svelte?svelte&type=style&lang.scss",
  ];
  /** Requests that fail otherwise (a redirect to sign in, a 404, Vite's 504 for a stale pre-bundle): nothing leaks either. */
  const OTHER: string[] = [
    `/@id/${MARK}-missing`,
    `/@id/__x00__virtual:${MARK}`,
    `/src/lib/${MARK}-missing.ts?import`,
    "/node_modules/.vite/deps/uplot.js?v=bad",
    `/node_modules/.vite/deps/${MARK}.js?v=bad`,
  ];

  const expectNoDetails = (body: string, what: string) => {
    expect(body, what).not.toMatch(STACK_FRAME);
    expect(namesCheckout(body), `${what} names the checkout: ${body.slice(0, 300)}`).toBe(false);
    expect(body, what).not.toContain("secretPlan");
  };

  it("answers Vite's transform and URL errors with the status and a generic text, signed in or not, and logs the whole error", async () => {
    let terminal = "";
    const listen = (chunk: Buffer) => (terminal += chunk.toString());
    const child = stack.dashboard!.process;
    child.stdout!.on("data", listen);
    child.stderr!.on("data", listen);
    try {
      const page = await env.signedIn();
      const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
      for (const session of [undefined, cookie]) {
        for (const path of FAILING) {
          const res = await fetch(`${url}${path}`, { headers: session ? { cookie: session } : {}, redirect: "manual" });
          const body = await res.text();
          expect(res.status, path).toBe(500);
          expect(body, path).toBe(GENERIC);
          expect(res.headers.get("content-type"), path).toMatch(/^text\/plain/);
        }
        for (const path of OTHER) {
          const res = await fetch(`${url}${path}`, { headers: session ? { cookie: session } : {}, redirect: "manual" });
          expect(res.status, path).not.toBe(200);
          expectNoDetails(await res.text(), path);
        }
      }
      // The person running `npm start` still sees what went wrong: the request, the compiler's message and the stack.
      await eventually(
        async () => (terminal.includes(`Internal server error on GET /${MARK}-broken.ts?import`) ? true : undefined),
        10_000,
        "the error in the terminal",
      );
      expect(terminal).toMatch(/PARSE_ERROR|Unexpected token/);
      expect(terminal).toMatch(STACK_FRAME);
    } finally {
      child.stdout!.off("data", listen);
      child.stderr!.off("data", listen);
    }
  });

  it("answers a server error SvelteKit catches with its own page or JSON and the generic message, no stack", async () => {
    // The sign-in action reads a form it cannot parse (a multipart body with no parts): SvelteKit's error path.
    const post = (accept: string) =>
      fetch(`${url}/login`, {
        method: "POST",
        headers: { origin: url, accept, "content-type": "multipart/form-data; boundary=zz" },
        body: "--zz\r\ngarbage",
        redirect: "manual",
      });
    const html = await post("text/html");
    expect(html.status).toBe(500);
    const page = await html.text();
    expect(page).toContain("Internal Error");
    expectNoDetails(page, "the error page");
    expectSecurityHeaders(Object.fromEntries(html.headers), "the error page");
    const json = await post("application/json");
    expect(json.status).toBe(500);
    const body = await json.text();
    expect(JSON.parse(body)).toEqual({ type: "error", error: { message: "Internal Error" } });
  });
});
