/**
 * A fresh local stack for one runtime of the load suite, in its own temporary folder: the libSQL endpoint, the
 * simulators, and Crossflow under `wrangler dev` or on Deno. The runtime can be killed with SIGKILL (its whole
 * process group: wrangler, workerd and esbuild; or deno) and started again on the same port and state, and the
 * libSQL endpoint stopped and started again on its port. Everything started here is stopped by `stop()`.
 */
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ensureDevVars,
  freePort,
  pointSimulatorsAt,
  type Service,
  startDenoServer,
  startLibsqlService,
  startSimulators,
  startWorker,
} from "../../scripts/stack.ts";
import { CONNECTOR_TIMEOUT } from "../../workers/connectors/http.ts";

export type Runtime = "wrangler" | "deno";

export interface LoadStack {
  runtime: Runtime;
  url: string;
  libsqlUrl: string;
  simulatorsUrl: string;
  dataDir: string;
  /** Every service's output, kept after the run for diagnosis. */
  logFile: string;
  /** Restarts of the runtime it did on its own: `wrangler dev` reloads when a source file changes during the run. */
  reloads(): number;
  /** SIGKILL to the runtime's process group, as a crash or an OOM kill would end it. */
  kill(): Promise<void>;
  /** The runtime again, on the same port and state. */
  restart(): Promise<void>;
  stopLibsql(): Promise<void>;
  startLibsql(): Promise<void>;
  stop(): Promise<void>;
}

/** `connectorTimeoutMs`: the app's `CONNECTOR_TIMEOUT_MS` (null: the product's default). */
export async function startLoadStack(runtime: Runtime, connectorTimeoutMs: number | null = null): Promise<LoadStack> {
  ensureDevVars();
  const dataDir = mkdtempSync(join(tmpdir(), `crossflow-load-${runtime}-`));
  const libsqlPort = await freePort();
  const logFile = `${dataDir}.log`;
  let reloads = 0;
  const output = (name: string) => (chunk: string) => {
    if (chunk.includes("Reloading local server")) reloads++;
    appendFileSync(
      logFile,
      chunk
        .split("\n")
        .filter(Boolean)
        .map((l) => `${name}: ${l}\n`)
        .join(""),
    );
  };
  const services: { libsql?: Service; simulators?: Service; app?: Service } = {};
  const stop = async () => {
    await Promise.all(Object.values(services).map((s) => s?.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    services.libsql = await startLibsqlService({ port: libsqlPort, dataDir, quiet: true, onOutput: output("libsql") });
    services.simulators = await startSimulators({ quiet: true, onOutput: output("simulators") });
    const libsqlUrl = services.libsql.url;
    const simulatorsUrl = services.simulators.url;
    const port = await freePort();
    const connectorVars: Record<string, string> =
      connectorTimeoutMs === null ? {} : { [CONNECTOR_TIMEOUT]: String(connectorTimeoutMs) };
    const launch = () =>
      runtime === "wrangler"
        ? startWorker({
            libsqlUrl,
            simulatorsUrl,
            dataDir,
            port,
            quiet: true,
            vars: connectorVars,
            onOutput: output("worker"),
          })
        : startDenoServer({
            dataDir,
            libsqlUrl,
            simulatorsUrl,
            port,
            quiet: true,
            env: { INGEST_RATE_LIMIT: "100000000", ...connectorVars },
            onOutput: output("deno"),
          });
    services.app = await launch();
    await pointSimulatorsAt(simulatorsUrl, services.app.url);
    return {
      runtime,
      url: services.app.url,
      libsqlUrl,
      simulatorsUrl,
      dataDir,
      logFile,
      reloads: () => reloads,
      async kill() {
        const child = services.app!.process;
        const exited = new Promise((r) => child.once("exit", r));
        process.kill(-child.pid!, "SIGKILL");
        await exited;
      },
      async restart() {
        services.app = await launch();
      },
      async stopLibsql() {
        await services.libsql?.stop();
        services.libsql = undefined;
      },
      async startLibsql() {
        services.libsql = await startLibsqlService({
          port: libsqlPort,
          dataDir,
          quiet: true,
          onOutput: output("libsql"),
        });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
