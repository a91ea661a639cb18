import { join } from "node:path";
import { BIN, CROSSFLOW_READY_BODY, freePort, type Service, spawnService } from "./services.ts";
import { connectorUrls } from "./simulators.ts";

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
  /** A test entry to run instead of the product's (it calls `serveUntilInterrupted` with workflows of its own). */
  entry?: string;
}): Promise<Service> {
  const port = options.port ?? (await freePort());
  const permissions = ["--allow-net", "--allow-env", "--allow-read", "--allow-write", "--allow-sys"];
  return spawnService({
    name: "deno",
    command: join(BIN, "deno"),
    args: options.entry ? ["run", ...permissions, options.entry] : ["task", "start"],
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
    readyBody: CROSSFLOW_READY_BODY,
    quiet: options.quiet,
    timeoutMs: 60_000,
    onOutput: options.onOutput,
  });
}
