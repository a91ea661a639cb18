/**
 * The local system's processes: a free port for each, spawned in its own process group with its output prefixed by
 * its name, ready once it answers HTTP, stopped with everything it started.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout: services run from here, and `.dev.vars` lives here. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The checkout's npm binaries (tsx, wrangler, vite, deno). */
export const BIN = join(ROOT, "node_modules", ".bin");

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

export interface Service {
  name: string;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const COLORS: Record<string, string> = { libsql: "\x1b[35m", worker: "\x1b[36m", dashboard: "\x1b[33m" };

/**
 * Lines not printed: wrangler's access log of each request it answered without a server error (thousands a minute
 * under the demo traffic, which would scroll the first admin's one-time password and any real error out of sight)
 * and its notice about generated types. A 5xx is still printed, and a service that fails to start still shows its
 * last lines whole.
 */
const ROUTINE = [/\[wrangler:info\] [A-Z]+ \S+ [1-4]\d\d /, /Your types might be out of date/];

function prefixLines(name: string, quiet: boolean) {
  const tag = `${COLORS[name] ?? ""}${name.padEnd(9)}\x1b[0m│ `;
  let pending = "";
  return (chunk: Buffer) => {
    if (quiet) return;
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines)
      if (line.trim() && !ROUTINE.some((r) => r.test(line))) process.stdout.write(`${tag + line}\n`);
  };
}

/** What the product's /healthz answers with (workers/http/app.ts), on workerd and on Deno: its ready check's proof. */
export const CROSSFLOW_READY_BODY = '"crossflow-worker"';

async function waitForHttp(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  log: () => string,
  readyBody: string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`exited with code ${child.exitCode} before ${url} answered:\n${log()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const body = await res.text();
      if (res.status < 500 && (readyBody === undefined || body.includes(readyBody))) return;
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
  /**
   * What the ready answer's body must contain: proof that this service answered, not another process that took the
   * port between `freePort` and the service binding it (an e2e run once sent every request to such a stranger,
   * which answered 404 to all of them).
   */
  readyBody?: string;
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
    await waitForHttp(opts.url + opts.readyPath, child, opts.timeoutMs ?? 60_000, () => log, opts.readyBody);
  } catch (error) {
    await stop();
    throw new Error(`${opts.name} failed to start: ${(error as Error).message}`);
  }
  return { name: opts.name, url: opts.url, process: child, stop };
}
