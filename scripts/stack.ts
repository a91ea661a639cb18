/**
 * Starts Crossflow's local services as real processes: the libSQL endpoint, the simulators, `wrangler dev` and the
 * dashboard. Shared by `npm start`, the end-to-end and browser tests, and the benchmarks, so all run the same stack.
 * Each service and the `.dev.vars` secrets are in `scripts/stack/`; this module is what their users import.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ensureFirstAdmin } from "../dashboard/src/lib/server/accounts/index.ts";
import { openDatabase } from "../db/client.ts";
import { devVar, firstSecret } from "./dev-vars.ts";
import { declaredCrons, startLocalCron } from "./stack/cron.ts";
import { ensureDevVars } from "./stack/dev-vars-secrets.ts";
import { startLibsqlService } from "./stack/libsql.ts";
import { BIN, freePort, ROOT, type Service, spawnService } from "./stack/services.ts";
import { pointSimulatorsAt, startSimulators } from "./stack/simulators.ts";
import { StartTimeline } from "./stack/timeline.ts";
import { startWorker } from "./stack/worker.ts";

export { startDenoServer } from "./stack/deno.ts";
export { ensureAuditKeys, ensureDevVars, ensureLocalAuthToken } from "./stack/dev-vars-secrets.ts";
export { startLibsqlService } from "./stack/libsql.ts";
export { BIN, freePort, ROOT, type Service, type SpawnOptions, spawnService } from "./stack/services.ts";
export { pointSimulatorsAt, startSimulators } from "./stack/simulators.ts";
export { StartTimeline, startedWithin } from "./stack/timeline.ts";
export { startWorker, type WorkerOptions } from "./stack/worker.ts";

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
  /** Every chunk of the worker's output, printed or not (a benchmark names its failures from it). */
  onWorkerOutput?: (chunk: string) => void;
  /** Records each stage of the start and how long it took (a test names the stage a slow start stalled in). */
  timeline?: StartTimeline;
}

/**
 * Each stage's limit. A spawned service's own readiness wait (60 s, 90 s for wrangler and vite) fails first with the
 * service's last output; these catch what has no deadline of its own (a request to a service that accepted the
 * connection and never answered).
 */
const LIMIT_MS = { service: 75_000, slowService: 105_000, request: 30_000 };
/** A service that came up after its start was given up on: stopped, so no process outlives its stack. */
const stopLate = (service: Service) => service.stop();

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
  /** Stops firing wrangler.toml's crons at the worker (a test that needs another runtime's scheduled work alone). */
  stopCron(): void;
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
  const timeline = options.timeline ?? new StartTimeline();
  try {
    const authToken = options.libsqlAuthToken || randomBytes(32).toString("base64url");
    const libsql = Object.assign(
      await timeline.stage(
        "libsql",
        LIMIT_MS.service,
        () => startLibsqlService({ port: libsqlPort, dataDir, authToken, quiet: options.quiet }),
        stopLate,
      ),
      { authToken },
    );
    started.push(libsql);
    // The dashboard needs someone to sign in as: on an empty database, an admin with a random password.
    const firstAdmin = await timeline.stage("first admin", LIMIT_MS.request, () =>
      ensureFirstAdmin(openDatabase({ url: libsqlUrl, authToken })),
    );
    const simulators = await timeline.stage(
      "simulators",
      LIMIT_MS.service,
      () => startSimulators({ port: options.simulatorsPort, quiet: options.quiet }),
      stopLate,
    );
    started.push(simulators);
    const worker = await timeline.stage(
      "worker",
      LIMIT_MS.slowService,
      () =>
        startWorker({
          libsqlUrl,
          libsqlAuthToken: authToken,
          simulatorsUrl: simulators.url,
          dataDir,
          port: options.workerPort,
          quiet: options.quiet,
          workerConfig: options.workerConfig,
          vars: options.vars,
          onOutput: options.onWorkerOutput,
        }),
      stopLate,
    );
    started.push(worker);
    const cron = startLocalCron(worker.url, declaredCrons(options.workerConfig));
    started.push({ ...worker, name: "cron", stop: async () => cron.stop() });
    const stopCron = () => cron.stop();
    await timeline.stage("simulators' webhooks", LIMIT_MS.request, () => pointSimulatorsAt(simulators.url, worker.url));
    let dashboard: Service | undefined;
    if (options.dashboard !== false) {
      const dashboardPort = options.dashboardPort ?? (await freePort());
      dashboard = await timeline.stage(
        "dashboard",
        LIMIT_MS.slowService,
        () =>
          spawnService({
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
          }),
        stopLate,
      );
      started.push(dashboard);
    }
    return { libsql, simulators, worker, dashboard, dataDir, firstAdmin, stop, stopCron };
  } catch (error) {
    await stop();
    throw error;
  }
}
