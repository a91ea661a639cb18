import { join } from "node:path";
import { BIN, type Service, spawnService } from "./services.ts";

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
