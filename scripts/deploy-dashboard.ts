/**
 * `npm run deploy:dashboard [-- <wrangler deploy args>]`: the dashboard as a Cloudflare Worker. Builds it with
 * adapter-cloudflare (`CROSSFLOW_DASHBOARD_ADAPTER=cloudflare npm run build -w dashboard`), then runs
 * `wrangler deploy --config dashboard/wrangler.toml`, uploading the dashboard's secrets with the bundle.
 *
 * Those are TURSO_DATABASE_URL (`libsql://` or `https://`: a Worker reaches the database over the internet, never a
 * local `http://127.0.0.1`), TURSO_AUTH_TOKEN and CROSSFLOW_API_TOKEN, plus CROSSFLOW_WORKER_URL when given (without
 * it the dashboard reaches the worker through its service binding). Each comes from the process environment, else
 * from the file named with `--secrets-file <path>` (JSON or `.env` syntax; the worker's production file will do: only
 * these names are taken from it). The deploy is refused, naming the secrets but never their values, when one is
 * missing, holds its public `.dev.vars.example` value, or the database URL is not one a Worker can reach.
 * `--dry-run` runs the same checks and the build.
 */
import { spawn } from "node:child_process";
import { activeSecrets } from "../workers/webhooks/hmac.ts";
import { exampleValues, readSecretsFile, takeSecretsFile, wranglerDeploy } from "./deploy/secrets.ts";
import { ROOT } from "./stack.ts";

const REQUIRED = ["TURSO_DATABASE_URL", "TURSO_AUTH_TOKEN", "CROSSFLOW_API_TOKEN"];
const OPTIONAL = ["CROSSFLOW_WORKER_URL"];

/** The secrets to upload, and what is wrong with them (one line each, names only). */
function checkSecrets(env: NodeJS.ProcessEnv, fileValues: Record<string, string>) {
  const secrets: Record<string, string> = {};
  for (const name of [...REQUIRED, ...OPTIONAL]) {
    const value = env[name] || fileValues[name];
    if (value?.trim()) secrets[name] = value.trim();
  }
  const examples = exampleValues();
  const missing = REQUIRED.filter((name) => !secrets[name]);
  const example = REQUIRED.filter((name) => {
    const value = examples[name];
    return value && secrets[name] && (secrets[name] === value || activeSecrets(secrets[name]).includes(value));
  });
  const problems = [
    ...(missing.length > 0 ? [`missing secrets: ${missing.join(", ")}`] : []),
    ...(example.length > 0 ? [`secrets left at their public .dev.vars.example value: ${example.join(", ")}`] : []),
  ];
  const url = secrets.TURSO_DATABASE_URL;
  if (url && !example.includes("TURSO_DATABASE_URL") && !/^(libsql|https):\/\/[^/]/.test(url))
    problems.push(
      "TURSO_DATABASE_URL must be a libsql:// or https:// URL a Worker can reach (Turso's, from `turso db show`)",
    );
  return { secrets, problems };
}

/** `npm run build -w dashboard` with the Cloudflare adapter; resolves to its exit code. */
function buildForWorkers(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "build", "-w", "dashboard"], {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, CROSSFLOW_DASHBOARD_ADAPTER: "cloudflare" },
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const { file, rest } = takeSecretsFile(process.argv.slice(2));
  const { secrets, problems } = checkSecrets(process.env, file === undefined ? {} : readSecretsFile(file));
  if (problems.length > 0) {
    for (const problem of problems) console.error(`dashboard deploy refused: ${problem}`);
    console.error(
      'Set each in the environment or in the file given with --secrets-file <path> (see README, "Deploying").',
    );
    return 1;
  }
  const built = await buildForWorkers();
  if (built !== 0) return built;
  return wranglerDeploy(["--config", "dashboard/wrangler.toml", ...rest], secrets);
}

process.exitCode = await main();
