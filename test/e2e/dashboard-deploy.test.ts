/**
 * The dashboard ships two ways, and both must serve it: as a Cloudflare Worker (`npm run deploy:dashboard`, which
 * builds with adapter-cloudflare and runs `wrangler deploy` with dashboard/wrangler.toml) and as a Node server
 * (`npm run build -w dashboard`, then `node dashboard/build`). Each build is run under its own runtime (the Worker
 * under `wrangler dev` on workerd, beside the crossflow worker its service binding reaches; the Node server as is)
 * against a libSQL endpoint over HTTP that demands a token, as Turso does, and a person signs in over HTTP and reads
 * the overview: the accounts code (scrypt, session tokens) and the database client work on both.
 *
 * The builds share the dashboard's `.svelte-kit/output`, so they run one after the other, each followed by its checks.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureFirstAdmin } from "../../dashboard/src/lib/server/accounts/index.ts";
import { openDatabase } from "../../db/client.ts";
import { type LibsqlServer, startLibsqlServer } from "../../db/local-server/server.ts";
import { applyMigrations } from "../../db/migrate.ts";
import { BIN, freePort, ROOT, type Service, spawnService } from "../../scripts/stack/services.ts";
import { parseDotenv } from "../../workers/platform/dotenv.ts";
import { testWorkerConfig } from "../support/test-worker.ts";

const run = promisify(execFile);
const NO_ACCOUNT = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_API_TOKEN: "", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
const BUILD_TIMEOUT = 240_000;

let dir: string;
let libsql: LibsqlServer;
const authToken = randomBytes(24).toString("base64url");
let admin: { username: string; password: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crossflow-dashboard-deploy-"));
  const file = join(dir, "metrics.db");
  await applyMigrations({ url: pathToFileURL(file).href });
  libsql = await startLibsqlServer({ file, authToken });
  const created = await ensureFirstAdmin(openDatabase({ url: libsql.url, authToken }));
  if (!created) throw new Error("a fresh database should get its first admin");
  admin = created;
});
afterAll(async () => {
  await libsql?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Secrets as a production deploy has them (never the local ones). */
const PRODUCTION = {
  TURSO_DATABASE_URL: `libsql://crossflow-${randomBytes(4).toString("hex")}.turso.io`,
  TURSO_AUTH_TOKEN: randomBytes(24).toString("base64url"),
  CROSSFLOW_API_TOKEN: randomBytes(24).toString("base64url"),
};
const DEV_VARS_EXAMPLE = parseDotenv(readFileSync(join(ROOT, ".dev.vars.example"), "utf8"));

/** `npm run deploy:dashboard -- <args>` with only `env`'s secrets (the caller's shell lends it none). */
async function deployDashboard(args: string[], env: Record<string, string>) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in DEV_VARS_EXAMPLE)));
  return run("npm", ["run", "--silent", "deploy:dashboard", "--", ...args], {
    cwd: ROOT,
    env: { ...base, ...NO_ACCOUNT, ...env },
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

it("npm run deploy:dashboard refuses missing or example secrets and a database a Worker cannot reach, before building", async () => {
  const outdir = join(dir, "refused");
  const missing = await deployDashboard(["--dry-run", "--outdir", outdir], {
    TURSO_DATABASE_URL: PRODUCTION.TURSO_DATABASE_URL,
  });
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toContain("dashboard deploy refused: missing secrets: TURSO_AUTH_TOKEN, CROSSFLOW_API_TOKEN");

  const local = await deployDashboard(["--dry-run", "--outdir", outdir], {
    ...PRODUCTION,
    TURSO_DATABASE_URL: "http://127.0.0.1:8080",
    CROSSFLOW_API_TOKEN: DEV_VARS_EXAMPLE.CROSSFLOW_API_TOKEN!,
  });
  expect(local.code).not.toBe(0);
  expect(local.stderr).toContain("example value: TURSO_DATABASE_URL, CROSSFLOW_API_TOKEN");
  expect(local.stderr).not.toContain(DEV_VARS_EXAMPLE.CROSSFLOW_API_TOKEN);

  const http = await deployDashboard(["--dry-run", "--outdir", outdir], {
    ...PRODUCTION,
    TURSO_DATABASE_URL: "http://10.0.0.5:8080",
  });
  expect(http.code).not.toBe(0);
  expect(http.stderr).toContain("TURSO_DATABASE_URL must be a libsql:// or https:// URL");
  // Refused before anything was built or bundled.
  expect(existsSync(outdir)).toBe(false);
});

/** What a browser sends with a plain (not enhanced) form post: SvelteKit answers it with a page or a redirect. */
const FORM_POST = (origin: string) => ({
  origin,
  accept: "text/html",
  "content-type": "application/x-www-form-urlencoded",
});

/**
 * Signs in through the sign-in form's action as a browser posts it (same-origin form post) and reads the overview
 * with the session cookie it set; returns the overview's HTML.
 */
async function signInAndReadOverview(base: string): Promise<string> {
  const login = await fetch(`${base}/login`);
  expect(login.status).toBe(200);
  expect(await login.text()).toContain("Sign in to Crossflow");

  const wrong = await fetch(`${base}/login`, {
    method: "POST",
    headers: FORM_POST(base),
    body: new URLSearchParams({ username: admin.username, password: `${admin.password}x` }),
    redirect: "manual",
  });
  // The page again, with the message and no session.
  expect(await wrong.text()).toContain("Wrong username or password.");
  expect(wrong.headers.getSetCookie().some((c) => c.startsWith("crossflow_session="))).toBe(false);

  const cookie = await signInCookie(base);
  const overview = await fetch(`${base}/`, { headers: { cookie }, redirect: "manual" });
  expect(overview.status).toBe(200);
  const html = await overview.text();
  expect(html).toContain("<title>Crossflow · Overview</title>");
  return html;
}

/** Signs in as the first admin through the form's action; returns the session cookie to send back. */
async function signInCookie(base: string): Promise<string> {
  const signedIn = await fetch(`${base}/login`, {
    method: "POST",
    headers: FORM_POST(base),
    body: new URLSearchParams({ username: admin.username, password: admin.password }),
    redirect: "manual",
  });
  expect(signedIn.status).toBe(303);
  expect(signedIn.headers.get("location")).toBe("/");
  const cookie = signedIn.headers.getSetCookie().find((c) => c.startsWith("crossflow_session="));
  expect(cookie).toBeDefined();
  return cookie!.split(";")[0]!;
}

/** Without a session, a page sends the browser to sign in. */
async function expectSignInRedirect(base: string): Promise<void> {
  const res = await fetch(`${base}/cases`, { headers: { accept: "text/html" }, redirect: "manual" });
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe("/login?next=%2Fcases");
}

describe("as a Cloudflare Worker", () => {
  const outdir = () => join(dir, "worker-bundle");
  let dryRun: { stdout: string; stderr: string };
  let worker: Service | undefined;
  let workerConfig: { config: string; dir: string } | undefined;

  beforeAll(async () => {
    // The deploy command a user runs, offline: the secrets check, the build for Workers, then wrangler bundles (with
    // the secrets it would upload) without uploading.
    const result = await deployDashboard(["--dry-run", "--outdir", outdir()], PRODUCTION);
    if (result.code !== 0) throw new Error(`deploy:dashboard --dry-run failed:\n${result.stderr}`);
    dryRun = result;
    // The crossflow worker beside it in the same `wrangler dev` (a second config), which resolves the dashboard's
    // service binding CROSSFLOW_WORKER to it as Cloudflare does; its secrets are .dev.vars' with this database.
    workerConfig = testWorkerConfig("workers/platform/cloudflare/index.ts");
    const workerVars: Record<string, string> = {
      ...parseDotenv(readFileSync(join(workerConfig.dir, ".dev.vars"), "utf8")),
      TURSO_DATABASE_URL: libsql.url,
      TURSO_AUTH_TOKEN: authToken,
    };
    writeFileSync(
      join(workerConfig.dir, ".dev.vars"),
      Object.entries(workerVars)
        .map(([name, value]) => `${name}=${JSON.stringify(value)}\n`)
        .join(""),
    );
    const [port, inspectorPort] = await Promise.all([freePort(), freePort()]);
    worker = await spawnService({
      name: "dashboard-worker",
      command: join(BIN, "wrangler"),
      args: [
        "dev",
        "--config",
        join(ROOT, "dashboard", "wrangler.toml"),
        "--config",
        workerConfig.config,
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--inspector-port",
        String(inspectorPort),
        "--persist-to",
        join(dir, "wrangler"),
        "--var",
        `TURSO_DATABASE_URL:${libsql.url}`,
        "--var",
        `TURSO_AUTH_TOKEN:${authToken}`,
        // No CROSSFLOW_WORKER_URL: the case API is reached through the binding only.
        "--var",
        `CROSSFLOW_API_TOKEN:${workerVars.CROSSFLOW_API_TOKEN!.split(",")[0]!.trim()}`,
        "--show-interactive-dev-session=false",
      ],
      env: NO_ACCOUNT,
      url: `http://127.0.0.1:${port}`,
      readyPath: "/login",
      quiet: true,
      timeoutMs: 90_000,
    });
  }, BUILD_TIMEOUT);
  afterAll(async () => {
    await worker?.stop();
    if (workerConfig) rmSync(workerConfig.dir, { recursive: true, force: true });
  });

  it("builds with adapter-cloudflare and bundles with wrangler deploy --dry-run, its secrets hidden", () => {
    expect(dryRun.stdout).toContain("Using @sveltejs/adapter-cloudflare");
    for (const name of Object.keys(PRODUCTION)) expect(dryRun.stdout).toContain(`env.${name} ("(hidden)")`);
    for (const value of Object.values(PRODUCTION)) expect(dryRun.stdout + dryRun.stderr).not.toContain(value);
    expect(dryRun.stdout).toContain("env.CROSSFLOW_WORKER (crossflow)");
    expect(dryRun.stdout).toContain("env.ASSETS");
    // Wrangler only warns about keys it does not know (a misspelt one would silently do nothing).
    expect(dryRun.stderr).not.toContain("Unexpected fields");
    const bundle = join(outdir(), "_worker.js");
    expect(existsSync(bundle)).toBe(true);
    expect(statSync(bundle).size).toBeGreaterThan(100_000);
  });

  it("serves sign-in and the overview on workerd, reading libSQL over HTTP with its token", async () => {
    const base = worker!.url;
    await expectSignInRedirect(base);
    const html = await signInAndReadOverview(base);
    expect(html).toContain("<h1>Workflows</h1>");
    // The client's assets come from the Worker's static assets.
    const script = html.match(/\/_app\/immutable\/[^"]+\.js/)?.[0];
    expect(script).toBeDefined();
    const asset = await fetch(base + script);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");
  });

  it("reaches the worker's case API through the service binding, with its API token", async () => {
    const cookie = await signInCookie(worker!.url);
    // The dead-letter list is read from the worker (a refusal or no way to reach it answers 503 with the reason).
    const res = await fetch(`${worker!.url}/admin/dead-letters`, { headers: { cookie } });
    const html = await res.text();
    expect(res.status, html.match(/could not be read[^<]*/)?.[0]).toBe(200);
    expect(html).toContain("<h1>Dead letters");
  });
});

describe("as a Node server (adapter-node, the default)", () => {
  let server: Service | undefined;

  beforeAll(async () => {
    const build = await run("npm", ["run", "build", "-w", "dashboard"], {
      cwd: ROOT,
      env: { ...process.env, CROSSFLOW_DASHBOARD_ADAPTER: "" },
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(build.stdout).toContain("Using @sveltejs/adapter-node");
    const port = await freePort();
    server = await spawnService({
      name: "dashboard-node",
      command: process.execPath,
      args: [join(ROOT, "dashboard", "build")],
      env: {
        HOST: "127.0.0.1",
        PORT: String(port),
        ORIGIN: `http://127.0.0.1:${port}`,
        TURSO_DATABASE_URL: libsql.url,
        TURSO_AUTH_TOKEN: authToken,
        CROSSFLOW_API_TOKEN: "dashboard-deploy-test-token",
      },
      url: `http://127.0.0.1:${port}`,
      readyPath: "/login",
      quiet: true,
      timeoutMs: 30_000,
    });
  }, BUILD_TIMEOUT);
  afterAll(async () => {
    await server?.stop();
  });

  it("serves sign-in and the overview with node dashboard/build", async () => {
    const base = server!.url;
    await expectSignInRedirect(base);
    const html = await signInAndReadOverview(base);
    expect(html).toContain("<h1>Workflows</h1>");
  });
});
