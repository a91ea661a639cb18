/**
 * `wrangler deploy --dry-run` must build the production bundle with no Cloudflare account; `npm run deploy` checks its
 * secrets first.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { ROOT } from "../../scripts/stack.ts";
import { parseDotenv } from "../../workers/platform/dotenv.ts";

const DOCUMENTS_CONFIG = "workers/platform/cloudflare/documents/wrangler.toml";

/** A message pdf.js logs (a string literal, so it survives minification): present in a bundle that carries pdf.js. */
const PDF_JS_MARKER = "Indexing all PDF objects";

it("builds the worker bundle offline with wrangler deploy --dry-run", async () => {
  const outdir = mkdtempSync(join(tmpdir(), "crossflow-deploy-"));
  try {
    const { stdout, stderr } = await promisify(execFile)(
      join(ROOT, "node_modules", ".bin", "wrangler"),
      ["deploy", "--dry-run", "--outdir", outdir],
      {
        cwd: ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_API_TOKEN: "" },
      },
    );
    expect(stdout).toContain("env.CASES (CaseObject)");
    expect(stdout).toContain("env.DOCUMENTS (crossflow-documents)");
    // Wrangler only warns about keys it does not know (a misspelt [observability.traces] would silently do nothing).
    expect(stderr).not.toContain("Unexpected fields");
    expect(existsSync(join(outdir, "index.js"))).toBe(true);
    expect(statSync(join(outdir, "index.js")).size).toBeGreaterThan(10_000);
    // pdf.js lives in the document reader's Worker, never in the case Worker (its cold start and bundle budget).
    expect(readFileSync(join(outdir, "index.js"), "utf8")).not.toContain(PDF_JS_MARKER);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

it("builds the document reader's Worker offline with pdf.js in it and no public URL", async () => {
  const outdir = mkdtempSync(join(tmpdir(), "crossflow-deploy-documents-"));
  try {
    const { stdout, stderr } = await promisify(execFile)(
      join(ROOT, "node_modules", ".bin", "wrangler"),
      ["deploy", "--dry-run", "--outdir", outdir, "--config", join(ROOT, DOCUMENTS_CONFIG)],
      { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_API_TOKEN: "" } },
    );
    expect(stdout).toContain("No bindings found");
    expect(stderr).not.toContain("Unexpected fields");
    expect(readFileSync(join(outdir, "index.js"), "utf8")).toContain(PDF_JS_MARKER);
    expect(readFileSync(join(ROOT, DOCUMENTS_CONFIG), "utf8")).toMatch(/^workers_dev = false$/m);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

/** `npm run deploy` (scripts/deploy.ts) uploads the worker's secrets with the bundle, and never the public examples. */
const DEV_VARS_EXAMPLE = parseDotenv(readFileSync(join(ROOT, ".dev.vars.example"), "utf8"));
const REQUIRED = [
  ...[
    "GITHUB_WEBHOOK_SECRET",
    "STRIPE_WEBHOOK_SECRET",
    "SLACK_SIGNING_SECRET",
    "HUBSPOT_CLIENT_SECRET",
    "ZENDESK_WEBHOOK_SECRET",
  ],
  ...[
    "SHOPIFY_WEBHOOK_SECRET",
    "TWILIO_AUTH_TOKEN",
    "RESEND_WEBHOOK_SECRET",
    "PROVISIONING_WEBHOOK_SECRET",
    "ONBOARDING_FORM_SECRET",
    "SALESFORCE_WEBHOOK_SECRET",
  ],
  ...["CROSSFLOW_API_TOKEN", "TURSO_DATABASE_URL", "TURSO_AUTH_TOKEN", "AUDIT_SIGNING_KEY", "CHAT_LINK_SECRET"],
];
const fresh = () =>
  Object.fromEntries(
    REQUIRED.map((name) => [
      name,
      name === "TURSO_DATABASE_URL"
        ? `libsql://crossflow-${randomBytes(4).toString("hex")}.turso.io`
        : randomBytes(24).toString("base64url"),
    ]),
  );

async function deploy(args: string[], secrets: Record<string, string>, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "crossflow-deploy-"));
  const outdir = join(dir, "out");
  const file = join(dir, "secrets.env");
  writeFileSync(
    file,
    Object.entries(secrets)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
  );
  // The caller's shell must not lend the script a secret.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in DEV_VARS_EXAMPLE)));
  try {
    const result = await promisify(execFile)(
      "npm",
      [
        "run",
        "--silent",
        "deploy",
        "--",
        "--dry-run",
        "--outdir",
        outdir,
        ...args.map((a) => (a === "$FILE" ? file : a)),
      ],
      {
        cwd: ROOT,
        env: { ...base, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_API_TOKEN: "", ...env },
      },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    return {
      ...result,
      built: existsSync(join(outdir, "index.js")),
      readerBuilt: existsSync(join(outdir, "documents", "index.js")),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it("npm run deploy refuses the .dev.vars.example secrets, naming them and never their values", async () => {
  const { code, stdout, stderr, built } = await deploy(["--secrets-file", "$FILE"], DEV_VARS_EXAMPLE);
  expect(code).not.toBe(0);
  expect(built).toBe(false);
  expect(stderr).toContain(
    "deploy refused: secrets left at their public .dev.vars.example value: GITHUB_WEBHOOK_SECRET",
  );
  // Each is named, as missing (the example TURSO_AUTH_TOKEN is empty) or as left at its example value.
  for (const name of REQUIRED) expect(stderr).toContain(name);
  // Connector credentials in the file are refused too at their example values.
  expect(stderr).toContain("STRIPE_API_KEY");
  for (const value of Object.values(DEV_VARS_EXAMPLE).filter((v) => v.length > 8))
    expect(stdout + stderr).not.toContain(value);
});

it("npm run deploy refuses a missing secret, and one example value in a rotation or from the environment", async () => {
  const { STRIPE_WEBHOOK_SECRET: _, ...noStripe } = fresh();
  const missing = await deploy(["--secrets-file", "$FILE"], noStripe);
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toMatch(/missing secrets: STRIPE_WEBHOOK_SECRET\n/);
  expect(missing.built).toBe(false);
  expect(missing.readerBuilt).toBe(false);

  const rotation = fresh();
  rotation.GITHUB_WEBHOOK_SECRET = `${rotation.GITHUB_WEBHOOK_SECRET},${DEV_VARS_EXAMPLE.GITHUB_WEBHOOK_SECRET}`;
  const rotating = await deploy(["--secrets-file", "$FILE"], rotation);
  expect(rotating.code).not.toBe(0);
  expect(rotating.stderr).toMatch(/example value: GITHUB_WEBHOOK_SECRET\n/);

  const fromEnv = await deploy(["--secrets-file", "$FILE"], fresh(), {
    CROSSFLOW_API_TOKEN: DEV_VARS_EXAMPLE.CROSSFLOW_API_TOKEN!,
  });
  expect(fromEnv.code).not.toBe(0);
  expect(fromEnv.stderr).toMatch(/example value: CROSSFLOW_API_TOKEN\n/);
  expect(fromEnv.stderr).not.toContain(DEV_VARS_EXAMPLE.CROSSFLOW_API_TOKEN);
});

it("npm run deploy builds with fresh secrets, from a secrets file or the environment, uploading each (hidden)", async () => {
  const secrets = fresh();
  const fromFile = await deploy(["--secrets-file", "$FILE"], secrets);
  expect(fromFile.stderr).not.toContain("refused");
  expect(fromFile.code).toBe(0);
  expect(fromFile.built).toBe(true);
  // The document reader first (the case Worker's DOCUMENTS binding names it), into its own folder of --outdir.
  expect(fromFile.readerBuilt).toBe(true);
  expect(fromFile.stdout.indexOf("No bindings found")).toBeLessThan(fromFile.stdout.indexOf("env.DOCUMENTS"));
  for (const name of REQUIRED) expect(fromFile.stdout).toContain(`env.${name} ("(hidden)")`);
  for (const value of Object.values(secrets)) expect(fromFile.stdout + fromFile.stderr).not.toContain(value);

  const fromEnv = await deploy([], {}, fresh());
  expect(fromEnv.code).toBe(0);
  expect(fromEnv.built).toBe(true);
  expect(fromEnv.stdout).toContain(`env.TURSO_AUTH_TOKEN ("(hidden)")`);
});
