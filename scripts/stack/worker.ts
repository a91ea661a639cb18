import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { parse } from "smol-toml";
import { BIN, CROSSFLOW_READY_BODY, freePort, ROOT, type Service, spawnService } from "./services.ts";
import { connectorUrls } from "./simulators.ts";

/** The document reader's Worker config, run beside the crossflow Worker (its `DOCUMENTS` service binding). */
export const DOCUMENTS_WORKER_CONFIG = join(ROOT, "workers", "platform", "cloudflare", "documents", "wrangler.toml");

/**
 * The wrangler configs one `wrangler dev` runs: the worker's (first: its port, vars and state) and, when it binds the
 * document reader, the reader's, so the binding is connected as on Cloudflare.
 * @example wranglerConfigs("wrangler.toml"); // [".../wrangler.toml", ".../documents/wrangler.toml"]
 */
export function wranglerConfigs(workerConfig = "wrangler.toml"): string[] {
  const path = isAbsolute(workerConfig) ? workerConfig : join(ROOT, workerConfig);
  const { services = [] } = parse(readFileSync(path, "utf8")) as { services?: { service?: string }[] };
  const { name } = parse(readFileSync(DOCUMENTS_WORKER_CONFIG, "utf8")) as { name: string };
  return services.some((s) => s.service === name) ? [path, DOCUMENTS_WORKER_CONFIG] : [path];
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
 * The worker under `wrangler dev`, with the document reader's Worker beside it when it binds one (wranglerConfigs),
 * (Durable Object state in `<dataDir>/wrangler`), restartable on the same port and
 * state after a crash. Its case objects write metric batches straight to the libSQL endpoint (`METRICS_DELIVERY=direct`):
 * `wrangler dev`'s local queue keeps messages in the memory of workerd, so every restart (a reload on a source change,
 * a crash, a kill) would drop batches the case objects had already handed over and deleted from their outboxes.
 */
export async function startWorker(options: WorkerOptions): Promise<Service> {
  // A port handed out free may be taken by another process before wrangler binds it (parallel test stacks): wrangler
  // then exits, or a stranger answers the ready check, and the worker starts again on fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startWorkerOnce(options);
    } catch (error) {
      if (options.port !== undefined || attempt >= 3) throw error;
    }
  }
}

async function startWorkerOnce(options: WorkerOptions): Promise<Service> {
  const [workerPort, inspectorPort] = await Promise.all([options.port ?? freePort(), freePort()]);
  return spawnService({
    name: "worker",
    command: join(BIN, "wrangler"),
    args: [
      "dev",
      ...wranglerConfigs(options.workerConfig).flatMap((config) => ["--config", config]),
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
      // Lets the local cron stand-in (stack/cron.ts) fire wrangler.toml's crons.
      "--test-scheduled",
    ],
    url: `http://127.0.0.1:${workerPort}`,
    readyPath: "/healthz",
    // The product's worker names itself (workers/http/app.ts); another config (the bench's probe) answers plainly.
    readyBody: options.workerConfig === undefined ? CROSSFLOW_READY_BODY : undefined,
    quiet: options.quiet,
    timeoutMs: 90_000,
    onOutput: options.onOutput,
  });
}
