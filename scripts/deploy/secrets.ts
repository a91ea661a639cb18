/**
 * What both deploy commands share (`npm run deploy` for the worker, `npm run deploy:dashboard`): reading the secrets
 * file the user names, and running `wrangler deploy` with the secrets uploaded alongside the bundle from a private
 * temporary file, so their values are never on a command line or in the output.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDotenv } from "../../workers/platform/dotenv.ts";
import { ROOT } from "../stack.ts";

/** Names that hold a credential: one left at its public example value is refused. */
export const CREDENTIAL_NAME = /SECRET|TOKEN|KEY|PASSWORD/;

/** `.dev.vars.example`'s values: public, so never acceptable as a production secret. */
export function exampleValues(): Record<string, string> {
  return parseDotenv(readFileSync(join(ROOT, ".dev.vars.example"), "utf8"));
}

/**
 * A secrets file: a JSON object or `.env` syntax.
 * @example const values = readSecretsFile("/home/me/crossflow.prod.env");
 */
export function readSecretsFile(path: string): Record<string, string> {
  const text = readFileSync(path, "utf8");
  if (!text.trimStart().startsWith("{")) return parseDotenv(text);
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new TypeError(`${path}: not a JSON object`);
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

/**
 * Splits `--secrets-file <path>` / `--secrets-file=<path>` out of the args handed on to wrangler.
 * @example takeSecretsFile(["--dry-run", "--secrets-file", "p.env"]); // { file: "p.env", rest: ["--dry-run"] }
 */
export function takeSecretsFile(args: string[]): { file: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--secrets-file") {
      file = args[++i];
      if (file === undefined) throw new TypeError("--secrets-file needs a path");
    } else if (arg.startsWith("--secrets-file=")) file = arg.slice("--secrets-file=".length);
    else rest.push(arg);
  }
  return { file, rest };
}

/**
 * `wrangler deploy <args> --secrets-file <a private copy of secrets>` from the checkout; resolves to its exit code.
 * @example process.exitCode = await wranglerDeploy(["--config", "dashboard/wrangler.toml"], { NAME: "value" });
 */
export async function wranglerDeploy(args: string[], secrets: Record<string, string>): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "crossflow-secrets-"));
  try {
    const secretsFile = join(dir, "secrets.json");
    writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
    const wrangler = join(ROOT, "node_modules", ".bin", "wrangler");
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(wrangler, ["deploy", ...args, "--secrets-file", secretsFile], {
        cwd: ROOT,
        stdio: "inherit",
      });
      child.on("error", reject);
      child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
