/**
 * Sign-in and roles in a real browser against the real stack: every route refuses strangers, the first admin
 * `npm start` creates can sign in, wrong passwords and guessing are refused, an admin creates a viewer, and the
 * viewer cannot reach or act on admin pages.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../dashboard/src/lib/server/accounts/index.ts";
import { openDatabase } from "../../db/client.ts";
import { ROOT, type Stack } from "../../scripts/stack.ts";
import { useBrowserStack } from "../support/browser-stack.ts";
import { signIn } from "../support/sign-in.ts";

const ROUTES_DIR = join(ROOT, "dashboard", "src", "routes");
const env = useBrowserStack("auth");
let stack: Stack;
let url: string;
beforeAll(() => {
  stack = env.stack();
  url = env.url();
});

const newPage = (viewport = { width: 1280, height: 800 }): Promise<Page> => env.page(viewport);

/** A fresh GET of the sign-in page (a reload after a plain form post would post it again), once its scripts are in. */
async function openLogin(page: Page): Promise<void> {
  await page.goto(`${url}/login`, { waitUntil: "networkidle" });
}

/** Every route folder under dashboard/src/routes with a page or an endpoint, as a concrete path to request. */
function routes(): { id: string; path: string; page: boolean; endpoint: boolean }[] {
  const found: { id: string; path: string; page: boolean; endpoint: boolean }[] = [];
  const walk = (dir: string) => {
    const files = readdirSync(dir);
    const page = files.includes("+page.svelte");
    const endpoint = files.some((f) => /^\+server\.(ts|js)$/.test(f));
    const id = `/${relative(ROUTES_DIR, dir).split(sep).filter(Boolean).join("/")}`;
    if (page || endpoint) {
      const path =
        "/" +
        id
          .split("/")
          .filter((s) => s && !/^\(.*\)$/.test(s) && !/^\[\[.*\]\]$/.test(s))
          .map((s) => s.replace(/\[(\.\.\.)?[^\]]+\]/g, "probe"))
          .join("/");
      found.push({ id, path, page, endpoint });
    }
    for (const f of files) if (statSync(join(dir, f)).isDirectory()) walk(join(dir, f));
  };
  walk(ROUTES_DIR);
  return found;
}

describe("without a session", () => {
  it("redirects every page to /login and answers every endpoint, action and POST with 401", async () => {
    const all = routes();
    expect(all.map((r) => r.id)).toEqual(expect.arrayContaining(["/", "/login", "/logout", "/admin/users"]));
    const guarded = all.filter((r) => r.id !== "/login");
    for (const route of guarded) {
      const where = `${route.id} (${route.path})`;
      if (route.page) {
        const res = await fetch(url + route.path, { redirect: "manual", headers: { accept: "text/html" } });
        expect(res.status, where).toBe(303);
        expect(res.headers.get("location"), where).toBe(
          route.path === "/" ? "/login" : `/login?next=${encodeURIComponent(route.path)}`,
        );
        // Client-side navigation asks for the page's data: it is redirected too, never given it.
        const data = await fetch(`${url}${route.path === "/" ? "" : route.path}/__data.json`, { redirect: "manual" });
        expect(await data.json(), where).toMatchObject({
          type: "redirect",
          location: expect.stringMatching(/^\/login/),
        });
      }
      if (route.endpoint) {
        const res = await fetch(url + route.path, { redirect: "manual" });
        expect(res.status, where).toBe(401);
      }
      // Form actions (same origin, so SvelteKit's CSRF check passes) and JSON posts.
      for (const target of [route.path, `${route.path}?/create`]) {
        const form = await fetch(url + target, {
          method: "POST",
          redirect: "manual",
          headers: { origin: url, "content-type": "application/x-www-form-urlencoded" },
          body: "userId=x",
        });
        expect(form.status, `${where} POST ${target}`).toBe(401);
        expect(await form.json()).toMatchObject({ error: { code: "unauthenticated" } });
      }
      const posted = await fetch(url + route.path, {
        method: "POST",
        redirect: "manual",
        headers: { origin: url, "content-type": "application/json" },
        body: "{}",
      });
      expect(posted.status, `${where} POST json`).toBe(401);
    }
    // An address no route serves is not given away either.
    expect((await fetch(`${url}/no-such-page`, { redirect: "manual" })).status).toBe(303);
  });

  it("keeps SvelteKit's CSRF check on the sign-in form", async () => {
    const res = await fetch(`${url}/login`, {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
      body: "username=admin&password=x",
    });
    expect(res.status).toBe(403);
  });
});

describe("signing in", () => {
  it("lets the first admin npm start created sign in, shows the nav, comes back to the page asked for, and signs out", async () => {
    expect(stack.firstAdmin?.username).toBe("admin");
    const page = await newPage();
    await page.goto(`${url}/admin/users`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill(stack.firstAdmin!.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${url}/admin/users`);
    const nav = page.getByTestId("nav");
    for (const label of ["Overview", "Cases", "Inbox", "Readiness", "Users"])
      await nav.getByRole("link", { name: label, exact: true }).waitFor();
    await expect(page.getByTestId("signed-in-as").textContent()).resolves.toMatch(/admin\s+admin/);
    const cookie = (await page.context().cookies()).find((c) => c.name === "crossflow_session")!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${url}/login`);
    await page.goto(url);
    expect(new URL(page.url()).pathname).toBe("/login");
  });

  it("goes back only to a path on this site: a next that a browser would read as another host lands on the overview", async () => {
    const db = openDatabase({ url: stack.libsql.url, authToken: stack.libsql.authToken });
    await createUser(db, { username: "wanderer", password: "saffron bicycle dusk", role: "viewer" });
    for (const next of [
      "/%09/evil.example",
      "/%0A/evil.example",
      "/%5Cevil.example",
      "//evil.example",
      "https://evil.example/",
      "/.//evil.example",
    ]) {
      const page = await newPage();
      const res = await page.goto(`${url}/login?next=${next}`, { waitUntil: "networkidle" });
      expect(res?.status(), next).toBe(200);
      await expect(page.locator('input[name="next"]').inputValue(), next).resolves.toBe("/");
      await page.getByLabel("Username").fill("wanderer");
      await page.getByLabel("Password").fill("saffron bicycle dusk");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByTestId("nav").getByRole("link", { name: "Overview" }).waitFor();
      expect(page.url(), next).toBe(`${url}/`);
      // Signed in already, the sign-in page sends the person on at once: to the overview, not elsewhere.
      const again = await page.request.get(`${url}/login?next=${next}`, { maxRedirects: 0 });
      expect([again.status(), again.headers().location], next).toEqual([303, "/"]);
    }
    // A form post with a newline in next (sent by hand, not by the page) is no 500 either.
    const page = await newPage();
    await page.goto(`${url}/login`, { waitUntil: "networkidle" });
    const posted = await page.request.post(`${url}/login`, {
      headers: { origin: url, accept: "text/html" },
      form: { username: "wanderer", password: "saffron bicycle dusk", next: "/\n/evil.example" },
      maxRedirects: 0,
    });
    expect([posted.status(), posted.headers().location]).toEqual([303, "/"]);
    // A path on this site is kept.
    const kept = await newPage();
    await kept.goto(`${url}/login?next=${encodeURIComponent("/admin/users?x=1")}`, { waitUntil: "networkidle" });
    await expect(kept.locator('input[name="next"]').inputValue()).resolves.toBe("/admin/users?x=1");
  });

  it("refuses a wrong password and an unknown user with the same message", async () => {
    const page = await newPage();
    await openLogin(page);
    const messages: string[] = [];
    for (const [username, password] of [
      ["admin", "not the password"],
      ["nobody-here", "whatever it is"],
    ]) {
      await page.getByLabel("Username").fill(username!);
      await page.getByLabel("Password").fill(password!);
      await page.getByRole("button", { name: "Sign in" }).click();
      messages.push((await page.getByTestId("login-error").filter({ hasText: /./ }).textContent())!);
      await openLogin(page);
    }
    expect(messages).toEqual(["Wrong username or password.", "Wrong username or password."]);
    expect(new URL(page.url()).pathname).toBe("/login");
  });

  it("rate limits the 6th sign-in in a row after 5 failures, even with the right password", async () => {
    await createUser(openDatabase({ url: stack.libsql.url, authToken: stack.libsql.authToken }), {
      username: "guessed",
      password: "violet tram at noon",
      role: "viewer",
    });
    const page = await newPage();
    await openLogin(page);
    const error = page.getByTestId("login-error");
    for (let i = 1; i <= 5; i++) {
      await page.getByLabel("Username").fill("guessed");
      await page.getByLabel("Password").fill(`guess number ${i}`);
      await page.getByRole("button", { name: "Sign in" }).click();
      await error.filter({ hasText: "Wrong username or password." }).waitFor();
      await openLogin(page);
    }
    await page.getByLabel("Username").fill("guessed");
    await page.getByLabel("Password").fill("violet tram at noon");
    await page.getByRole("button", { name: "Sign in" }).click();
    await error.filter({ hasText: /Too many failed sign-ins .* Wait 1[45] minutes/ }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/login");
  });
});

describe("roles", () => {
  it("an admin creates a viewer; the viewer sees no Users link and gets 403 on the page and its actions", async () => {
    const admin = await newPage();
    await signIn(admin, url, "admin", stack.firstAdmin!.password);
    // Typed into only once the page is interactive (its scripts loaded), as a person would see it.
    await admin.goto(`${url}/admin/users`, { waitUntil: "networkidle" });
    await admin.getByLabel("Username").fill("vera");
    await admin.getByRole("combobox", { name: /^Role/ }).selectOption("viewer");
    await admin.getByLabel(/Task roles/).fill("finance");
    await admin.getByLabel(/^Password/).fill("copper kettle song");
    await admin.getByRole("button", { name: "Create user" }).click();
    await admin.getByTestId("users-message").filter({ hasText: 'Created viewer "vera"' }).waitFor();
    const row = admin.locator('tr[data-username="vera"]');
    await expect(row.getByTestId("role").textContent()).resolves.toBe("viewer");
    await expect(row.textContent()).resolves.toContain("finance");

    // A phone: the header and the users page fit 390 px without sideways scrolling of the page.
    const phone = await newPage({ width: 390, height: 844 });
    await signIn(phone, url, "vera", "copper kettle song");
    await phone.getByTestId("nav").getByRole("link", { name: "Overview" }).waitFor();
    await expect(phone.getByTestId("nav").getByRole("link", { name: "Users" }).count()).resolves.toBe(0);
    await expect(phone.getByTestId("signed-in-as").textContent()).resolves.toMatch(/vera\s+viewer/);
    expect(await phone.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);

    const refused = await phone.goto(`${url}/admin/users`);
    expect(refused?.status()).toBe(403);
    await expect(phone.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("You need the admin role");
    await phone.getByRole("link", { name: "Back to the overview" }).waitFor();
    const action = await phone.request.post(`${url}/admin/users?/create`, {
      headers: { origin: url },
      form: { username: "sneaky", role: "admin", password: "sneaky's password" },
    });
    expect(action.status()).toBe(403);
    const disable = await phone.request.post(`${url}/admin/users?/disable`, {
      headers: { origin: url },
      form: { userId: "anyone" },
    });
    expect(disable.status()).toBe(403);
    await admin.reload();
    await expect(admin.locator('tr[data-username="sneaky"]').count()).resolves.toBe(0);

    // Disabling ends her session at once.
    await row.getByRole("button", { name: "Disable" }).click();
    await admin
      .locator('tr[data-username="vera"]')
      .getByTestId("status")
      .filter({ hasText: /^disabled/ })
      .waitFor();
    await phone.goto(url);
    expect(new URL(phone.url()).pathname).toBe("/login");
  });

  it("shows a 404 page for an address no route serves, to someone signed in", async () => {
    const page = await newPage();
    await signIn(page, url, "admin", stack.firstAdmin!.password);
    const res = await page.goto(`${url}/no-such-page`);
    expect(res?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Not found");
  });
});

// A route folder's name must not be a typo the walk above skips silently.
it("finds the routes folder", () => expect(existsSync(ROUTES_DIR)).toBe(true));
