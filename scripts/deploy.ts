/**
 * `npm run deploy [-- <wrangler deploy args>]`: `wrangler deploy`, but only with real secrets.
 *
 * The worker needs every source's secret binding (the built-in sources and `[[vars.WEBHOOK_SOURCES]]` in
 * wrangler.toml), CROSSFLOW_API_TOKEN, TURSO_DATABASE_URL, TURSO_AUTH_TOKEN, AUDIT_SIGNING_KEY and CHAT_LINK_SECRET (the
 * customers' chat links are signed with it). Each deploy uploads them with the
 * bundle (`wrangler deploy --secrets-file`): a value comes from the process environment, else from the file given
 * with `--secrets-file <path>` (JSON or `.env` syntax, e.g. a `.dev.vars` written for production). The deploy is
 * refused, naming the secrets but never their values, when one of them is missing or empty, or when any value to
 * be uploaded for it (each of a rotation's comma-separated values) is the public one in `.dev.vars.example`; so is
 * any other credential in the secrets file (`*SECRET*`, `*TOKEN*`, `*KEY*`, `*PASSWORD*`) left at its example
 * value. `--dry-run` runs the same check.
 *
 * Two Workers are deployed, the document reader first (`crossflow-documents`,
 * workers/platform/cloudflare/documents/wrangler.toml; it has no secrets): the crossflow Worker's `DOCUMENTS` service
 * binding names it, and Cloudflare refuses a binding to a Worker that does not exist. The same wrangler arguments go
 * to both, but an `--outdir <dir>` becomes `<dir>/documents` for the reader, so neither bundle overwrites the other.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { BUILT_IN_SOURCES, parseCustomSources } from "../workers/ingest/sources/index.ts";
import { activeSecrets } from "../workers/webhooks/hmac.ts";
import { CREDENTIAL_NAME, exampleValues, readSecretsFile, takeSecretsFile, wranglerDeploy } from "./deploy/secrets.ts";
import { DOCUMENTS_WORKER_CONFIG } from "./stack/worker.ts";
import { ROOT } from "./stack.ts";

const PLATFORM_SECRETS = [
  "CROSSFLOW_API_TOKEN",
  "TURSO_DATABASE_URL",
  "TURSO_AUTH_TOKEN",
  "AUDIT_SIGNING_KEY",
  "CHAT_LINK_SECRET",
];

/** The secrets the worker cannot run without: every source's binding, then the API token, the database's, the audit manifest's signing key and the chat link's. */
function requiredSecrets(): string[] {
  const toml = parseToml(readFileSync(join(ROOT, "wrangler.toml"), "utf8")) as { vars?: { WEBHOOK_SOURCES?: unknown } };
  const bindings = [...BUILT_IN_SOURCES, ...parseCustomSources(toml.vars?.WEBHOOK_SOURCES ?? [])].map(
    (s) => s.secretBinding,
  );
  return [...new Set([...bindings, ...PLATFORM_SECRETS])];
}

interface SecretsCheck {
  secrets: Record<string, string>;
  missing: string[];
  example: string[];
}

/** What this deploy would upload, and which required secrets are missing or hold their public example value. */
function checkSecrets(env: NodeJS.ProcessEnv, fileValues: Record<string, string>): SecretsCheck {
  const examples = exampleValues();
  const required = requiredSecrets();
  const secrets: Record<string, string> = { ...fileValues };
  for (const name of required) {
    const value = env[name];
    if (value !== undefined && value !== "") secrets[name] = value;
  }
  const missing = required.filter((name) => activeSecrets(secrets[name]).length === 0);
  const isExample = (name: string) => {
    const example = examples[name];
    if (example === undefined || example === "") return false;
    return activeSecrets(secrets[name]).includes(example) || secrets[name]?.trim() === example;
  };
  const checked = [
    ...required,
    ...Object.keys(fileValues).filter((name) => !required.includes(name) && CREDENTIAL_NAME.test(name)),
  ];
  const example = checked.filter((name) => !missing.includes(name) && isExample(name));
  return { secrets, missing, example };
}

async function main(): Promise<number> {
  const { file, rest } = takeSecretsFile(process.argv.slice(2));
  const { secrets, missing, example } = checkSecrets(process.env, file === undefined ? {} : readSecretsFile(file));
  if (missing.length > 0 || example.length > 0) {
    if (missing.length > 0) console.error(`deploy refused: missing secrets: ${missing.join(", ")}`);
    if (example.length > 0)
      console.error(`deploy refused: secrets left at their public .dev.vars.example value: ${example.join(", ")}`);
    console.error(
      'Set each in the environment or in the file given with --secrets-file <path> (see README, "Deploying").',
    );
    return 1;
  }
  const reader = await wranglerDeploy(["--config", DOCUMENTS_WORKER_CONFIG, ...readerArgs(rest)], {});
  if (reader !== 0) {
    console.error(
      "deploy stopped: the document reader (crossflow-documents) did not deploy, so crossflow was not deployed",
    );
    return reader;
  }
  return wranglerDeploy(rest, secrets);
}

/** The wrangler arguments for the reader: the same, its bundle in a `documents` folder of any `--outdir`. */
function readerArgs(args: string[]): string[] {
  return args.flatMap((arg, i) => {
    if (args[i - 1] === "--outdir") return [join(arg, "documents")];
    if (arg.startsWith("--outdir=")) return [`--outdir=${join(arg.slice("--outdir=".length), "documents")}`];
    return [arg];
  });
}

process.exitCode = await main();
