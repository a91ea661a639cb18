/**
 * Starts Crossflow's local services as real processes: the libSQL endpoint, `wrangler dev` and the dashboard.
 * Shared by `npm start`, the end-to-end and browser tests, and the benchmarks, so all run the same stack.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureFirstAdmin } from "../dashboard/src/lib/server/accounts/index.ts";
import { openDatabase } from "../db/client.ts";
import { generateManifestKeys } from "../workers/metrics/audit-manifest.ts";
import { devVar, firstSecret } from "./dev-vars.ts";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "node_modules", ".bin");

/** A port the OS just handed out, so parallel stacks (tests, a running `npm start`) never collide. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Local development vars: `.dev.vars` wins. On a fresh clone it is created from `.dev.vars.example`; in an older
 * checkout, keys added to the example since are appended, so a new source works without editing by hand.
 */
export function ensureDevVars(): void {
  const target = join(ROOT, ".dev.vars");
  const example = join(ROOT, ".dev.vars.example");
  if (!existsSync(target)) {
    copyFileSync(example, target);
    return;
  }
  const keys = (text: string) => new Set([...text.matchAll(/^\s*([A-Z0-9_]+)\s*=/gm)].map((m) => m[1]!));
  const current = readFileSync(target, "utf8");
  const have = keys(current);
  const missing = readFileSync(example, "utf8")
    .split("\n")
    .filter((line) => {
      const key = /^\s*([A-Z0-9_]+)\s*=/.exec(line)?.[1];
      return key !== undefined && !have.has(key);
    });
  if (missing.length > 0) {
    appendFileSync(
      target,
      `${current.endsWith("\n") ? "" : "\n"}# added from .dev.vars.example\n${missing.join("\n")}\n`,
    );
    console.log(`.dev.vars: added ${missing.map((l) => l.split("=")[0]).join(", ")} from .dev.vars.example`);
  }
}

/**
 * The local libSQL endpoint's token (`TURSO_AUTH_TOKEN` in `.dev.vars`, what every client sends): generated at
 * random on the first `npm start` and kept there, so the endpoint runs SQL only for this checkout's clients.
 */
export function ensureLocalAuthToken(): string {
  ensureDevVars();
  const existing = devVar("TURSO_AUTH_TOKEN");
  if (existing) return existing;
  const target = join(ROOT, ".dev.vars");
  const current = readFileSync(target, "utf8");
  const token = randomBytes(32).toString("base64url");
  const line = `TURSO_AUTH_TOKEN=${token}`;
  const key = /^[ \t]*TURSO_AUTH_TOKEN[ \t]*=.*$/m;
  writeFileSync(
    target,
    key.test(current) ? current.replace(key, line) : `${current}${current.endsWith("\n") ? "" : "\n"}${line}\n`,
  );
  console.log(".dev.vars: generated TURSO_AUTH_TOKEN, the token the local libSQL endpoint requires");
  return token;
}

/**
 * The local Ed25519 pair for the daily manifest of audit chain heads (`AUDIT_SIGNING_KEY`, the worker's secret, and
 * `AUDIT_PUBLIC_KEY`, what `npm run audit:verify` checks signatures with): generated on the first `npm start` and
 * kept in `.dev.vars`, so no two checkouts share a signing key.
 */
export async function ensureAuditKeys(): Promise<void> {
  ensureDevVars();
  if (devVar("AUDIT_SIGNING_KEY") && devVar("AUDIT_PUBLIC_KEY")) return;
  const { signingKey, publicKey } = await generateManifestKeys();
  const target = join(ROOT, ".dev.vars");
  let text = readFileSync(target, "utf8");
  for (const [name, value] of [
    ["AUDIT_SIGNING_KEY", signingKey],
    ["AUDIT_PUBLIC_KEY", publicKey],
  ] as const) {
    const key = new RegExp(`^[ \\t]*${name}[ \\t]*=.*$`, "m");
    text = key.test(text)
      ? text.replace(key, `${name}=${value}`)
      : `${text}${text.endsWith("\n") ? "" : "\n"}${name}=${value}\n`;
  }
  writeFileSync(target, text);
  console.log(
    ".dev.vars: generated AUDIT_SIGNING_KEY and AUDIT_PUBLIC_KEY, the pair that signs the daily audit manifest",
  );
}

export interface Service {
  name: string;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const COLORS: Record<string, string> = { libsql: "\x1b[35m", worker: "\x1b[36m", dashboard: "\x1b[33m" };

function prefixLines(name: string, quiet: boolean) {
  const tag = `${COLORS[name] ?? ""}${name.padEnd(9)}\x1b[0m│ `;
  let pending = "";
  return (chunk: Buffer) => {
    if (quiet) return;
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) process.stdout.write(`${tag + line}\n`);
  };
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`exited with code ${child.exitCode} before ${url} answered:\n${log()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // Not listening yet; poll again.
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${log()}`);
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  url: string;
  readyPath: string;
  cwd?: string;
  quiet?: boolean;
  timeoutMs?: number;
  /** Every chunk of the service's output, printed or not (the load suite keeps it in a log file). */
  onOutput?: (chunk: string) => void;
}

export async function spawnService(opts: SpawnOptions): Promise<Service> {
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd ?? ROOT,
    // No telemetry, and no fetch of Cloudflare's `Request.cf` sample: local dev runs offline with a placeholder.
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      FORCE_COLOR: "0",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so stopping it also stops the grandchildren (workerd, esbuild).
    detached: true,
  });
  let log = "";
  const remember = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8000);
    opts.onOutput?.(chunk.toString());
  };
  const print = prefixLines(opts.name, opts.quiet ?? false);
  const take = (c: Buffer) => {
    remember(c);
    print(c);
  };
  child.stdout!.on("data", take);
  child.stderr!.on("data", take);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // Already gone: nothing left to stop.
        resolve();
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // Exited after SIGTERM, as it should.
        }
      }, 5000).unref();
    });
  try {
    await waitForHttp(opts.url + opts.readyPath, child, opts.timeoutMs ?? 60_000, () => log);
  } catch (error) {
    await stop();
    throw new Error(`${opts.name} failed to start: ${(error as Error).message}`);
  }
  return { name: opts.name, url: opts.url, process: child, stop };
}

/** The connectors' base URLs when the local simulators at `simulatorsUrl` stand in for the SaaS systems. */
function connectorUrls(simulatorsUrl: string): Record<string, string> {
  return {
    STRIPE_API_BASE_URL: `${simulatorsUrl}/stripe`,
    RESEND_API_BASE_URL: `${simulatorsUrl}/resend`,
    ZENDESK_API_BASE_URL: `${simulatorsUrl}/zendesk`,
    COMPLIANCE_API_BASE_URL: `${simulatorsUrl}/compliance`,
    PROVISIONING_API_BASE_URL: `${simulatorsUrl}/provisioning`,
    HUBSPOT_API_BASE_URL: `${simulatorsUrl}/hubspot`,
    TWILIO_API_BASE_URL: `${simulatorsUrl}/twilio`,
    SLACK_API_BASE_URL: `${simulatorsUrl}/slack/api`,
  };
}

/**
 * Crossflow on Deno (`deno task start`, the deno binary from npm) on `port` or a free one, with its KV file in
 * `dataDir` and metrics to `libsqlUrl`; restartable on the same port and KV file after a crash.
 */
export async function startDenoServer(options: {
  dataDir: string;
  libsqlUrl: string;
  libsqlAuthToken?: string;
  simulatorsUrl?: string;
  port?: number;
  quiet?: boolean;
  env?: Record<string, string>;
  onOutput?: (chunk: string) => void;
}): Promise<Service> {
  const port = options.port ?? (await freePort());
  return spawnService({
    name: "deno",
    command: join(BIN, "deno"),
    args: ["task", "start"],
    env: {
      PORT: String(port),
      CROSSFLOW_KV_PATH: join(options.dataDir, "deno-kv.sqlite3"),
      TURSO_DATABASE_URL: options.libsqlUrl,
      ...(options.libsqlAuthToken ? { TURSO_AUTH_TOKEN: options.libsqlAuthToken } : {}),
      ...(options.simulatorsUrl ? connectorUrls(options.simulatorsUrl) : {}),
      // Deno has no service binding to itself: CRM deals reach the form door over the network.
      ONBOARDING_FORM_URL: `http://127.0.0.1:${port}/hooks/onboarding-form`,
      ...options.env,
    },
    url: `http://127.0.0.1:${port}`,
    readyPath: "/healthz",
    quiet: options.quiet,
    timeoutMs: 60_000,
    onOutput: options.onOutput,
  });
}

export interface StackOptions {
  libsqlPort?: number;
  simulatorsPort?: number;
  workerPort?: number;
  dashboardPort?: number;
  /** Folder for the libSQL file and the Durable Object state. */
  dataDir?: string;
  dashboard?: boolean;
  quiet?: boolean;
  /** Another wrangler config for the worker (the engine benchmark's); default `wrangler.toml`. */
  workerConfig?: string;
  /** Extra worker vars, e.g. `CROSSFLOW_TIME_SCALE` for a demo. */
  vars?: Record<string, string>;
  /**
   * The token the libSQL endpoint requires (`Authorization: Bearer <token>`); the stack hands it to the worker and the
   * dashboard, and exposes it as `stack.libsql.authToken` for every other client. `npm start` passes `.dev.vars`'
   * TURSO_AUTH_TOKEN; default a random one for this stack alone.
   */
  libsqlAuthToken?: string;
}

export interface Stack {
  /** `authToken`: what every client of this endpoint must send (`createClient({ url, authToken })`). */
  libsql: Service & { authToken: string };
  simulators: Service;
  worker: Service;
  dashboard?: Service;
  dataDir: string;
  /** The dashboard's first admin when this start created it (an empty database): the only time its password is known. */
  firstAdmin: { username: string; password: string } | null;
  stop(): Promise<void>;
}

/**
 * The local libSQL endpoint over `file` (default `<dataDir>/crossflow.db`; migrated on start) in its own process, as
 * Turso is to the workers; restartable on the same port.
 */
export function startLibsqlService(options: {
  port: number;
  dataDir: string;
  file?: string;
  authToken?: string;
  quiet?: boolean;
  onOutput?: (chunk: string) => void;
}): Promise<Service> {
  return spawnService({
    name: "libsql",
    command: join(BIN, "tsx"),
    args: ["db/local-server/main.ts"],
    // The token is set (or cleared) explicitly: a TURSO_AUTH_TOKEN inherited from the shell must not decide it.
    env: {
      LIBSQL_PORT: String(options.port),
      LIBSQL_FILE: options.file ?? join(options.dataDir, "crossflow.db"),
      LIBSQL_HOST: "127.0.0.1",
      LIBSQL_AUTH_TOKEN: options.authToken ?? "",
      TURSO_AUTH_TOKEN: options.authToken ?? "",
    },
    url: `http://127.0.0.1:${options.port}`,
    readyPath: "/health",
    quiet: options.quiet,
    onOutput: options.onOutput,
  });
}

/** The local SaaS simulators (one process), on `port` or a free one. */
export async function startSimulators(
  options: { port?: number; quiet?: boolean; onOutput?: (chunk: string) => void } = {},
): Promise<Service> {
  const port = options.port ?? (await freePort());
  return spawnService({
    name: "simulators",
    command: join(BIN, "tsx"),
    args: ["simulators/main.ts"],
    env: { SIMULATORS_PORT: String(port) },
    url: `http://127.0.0.1:${port}`,
    readyPath: "/healthz",
    quiet: options.quiet,
    onOutput: options.onOutput,
  });
}

/**
 * Simulators that call back (provisioning's activations, Twilio's inbound SMS, Slack's button clicks, HubSpot's deal
 * stages, Stripe's invoice events, Zendesk's new tickets, customers' email replies) send webhooks signed with the worker's secrets, as the real
 * systems do.
 */
export async function pointSimulatorsAt(simulatorsUrl: string, workerUrl: string): Promise<void> {
  for (const [system, secret] of [
    ["provisioning", "PROVISIONING_WEBHOOK_SECRET"],
    ["twilio", "TWILIO_AUTH_TOKEN"],
    ["slack", "SLACK_SIGNING_SECRET"],
    ["hubspot", "HUBSPOT_CLIENT_SECRET"],
    ["stripe", "STRIPE_WEBHOOK_SECRET"],
    ["zendesk", "ZENDESK_WEBHOOK_SECRET"],
    ["resend", "RESEND_WEBHOOK_SECRET"],
  ] as const) {
    const hooked = await fetch(`${simulatorsUrl}/${system}/_sim/webhooks`, {
      method: "POST",
      body: JSON.stringify({ url: workerUrl, secret: firstSecret(devVar(secret)) }),
    });
    if (!hooked.ok)
      throw new Error(`could not point the ${system} simulator at the worker: ${hooked.status} ${await hooked.text()}`);
  }
}

export interface WorkerOptions {
  libsqlUrl: string;
  libsqlAuthToken?: string;
  simulatorsUrl: string;
  dataDir: string;
  port?: number;
  quiet?: boolean;
  workerConfig?: string;
  vars?: Record<string, string>;
  onOutput?: (chunk: string) => void;
}

/**
 * The worker under `wrangler dev` (Durable Object state in `<dataDir>/wrangler`), restartable on the same port and
 * state after a crash. Its case objects write metric batches straight to the libSQL endpoint (`METRICS_DELIVERY=direct`):
 * `wrangler dev`'s local queue keeps messages in the memory of workerd, so every restart (a reload on a source change,
 * a crash, a kill) would drop batches the case objects had already handed over and deleted from their outboxes.
 */
export async function startWorker(options: WorkerOptions): Promise<Service> {
  const [workerPort, inspectorPort] = await Promise.all([options.port ?? freePort(), freePort()]);
  return spawnService({
    name: "worker",
    command: join(BIN, "wrangler"),
    args: [
      "dev",
      ...(options.workerConfig ? ["--config", options.workerConfig] : []),
      "--ip",
      "127.0.0.1",
      "--port",
      String(workerPort),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      join(options.dataDir, "wrangler"),
      "--var",
      `TURSO_DATABASE_URL:${options.libsqlUrl}`,
      ...(options.libsqlAuthToken ? ["--var", `TURSO_AUTH_TOKEN:${options.libsqlAuthToken}`] : []),
      // Connectors talk to the local simulators (their keys are in .dev.vars); CRM deals reach this worker's form door
      // through its own SELF binding, as in production.
      ...Object.entries({
        ...connectorUrls(options.simulatorsUrl),
        METRICS_DELIVERY: "direct",
        ...options.vars,
      }).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
      "--show-interactive-dev-session=false",
    ],
    url: `http://127.0.0.1:${workerPort}`,
    readyPath: "/healthz",
    quiet: options.quiet,
    timeoutMs: 90_000,
    onOutput: options.onOutput,
  });
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  ensureDevVars();
  const dataDir = options.dataDir ?? join(ROOT, ".data");
  mkdirSync(dataDir, { recursive: true });
  // Each port is picked just before its service starts: one picked early could be taken meanwhile by the
  // ephemeral ports the earlier services open (wrangler and workerd open several).
  const libsqlPort = options.libsqlPort ?? (await freePort());
  const libsqlUrl = `http://127.0.0.1:${libsqlPort}`;
  const started: Service[] = [];
  const stop = async () => {
    await Promise.all(started.reverse().map((s) => s.stop()));
  };
  try {
    const authToken = options.libsqlAuthToken || randomBytes(32).toString("base64url");
    const libsql = Object.assign(
      await startLibsqlService({ port: libsqlPort, dataDir, authToken, quiet: options.quiet }),
      { authToken },
    );
    started.push(libsql);
    // The dashboard needs someone to sign in as: on an empty database, an admin with a random password.
    const firstAdmin = await ensureFirstAdmin(openDatabase({ url: libsqlUrl, authToken }));
    const simulators = await startSimulators({ port: options.simulatorsPort, quiet: options.quiet });
    started.push(simulators);
    const worker = await startWorker({
      libsqlUrl,
      libsqlAuthToken: authToken,
      simulatorsUrl: simulators.url,
      dataDir,
      port: options.workerPort,
      quiet: options.quiet,
      workerConfig: options.workerConfig,
      vars: options.vars,
    });
    started.push(worker);
    await pointSimulatorsAt(simulators.url, worker.url);
    let dashboard: Service | undefined;
    if (options.dashboard !== false) {
      const dashboardPort = options.dashboardPort ?? (await freePort());
      dashboard = await spawnService({
        name: "dashboard",
        command: join(BIN, "vite"),
        args: ["dev", "--host", "127.0.0.1", "--port", String(dashboardPort), "--strictPort"],
        cwd: join(ROOT, "dashboard"),
        // The dashboard reads metrics from libSQL and sends people's decisions to the worker's case API.
        env: {
          TURSO_DATABASE_URL: libsqlUrl,
          TURSO_AUTH_TOKEN: authToken,
          CROSSFLOW_WORKER_URL: worker.url,
          CROSSFLOW_API_TOKEN: firstSecret(devVar("CROSSFLOW_API_TOKEN")),
        },
        url: `http://127.0.0.1:${dashboardPort}`,
        readyPath: "/",
        quiet: options.quiet,
        timeoutMs: 90_000,
      });
      started.push(dashboard);
    }
    return { libsql, simulators, worker, dashboard, dataDir, firstAdmin, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
