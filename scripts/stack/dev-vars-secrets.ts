/**
 * `.dev.vars` for the local system: created or completed from `.dev.vars.example`, and the secrets each checkout
 * generates for itself on its first `npm start` (the libSQL endpoint's token, the audit manifest's signing pair).
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateManifestKeys } from "../../workers/metrics/audit-manifest.ts";
import { devVar } from "../dev-vars.ts";
import { ROOT } from "./services.ts";

/**
 * Local development vars: `.dev.vars` wins. On a fresh clone it is created from `.dev.vars.example`; in an older
 * checkout, keys added to the example since are appended, so a new source works without editing by hand.
 */
export function ensureDevVars(): void {
  const target = join(ROOT, ".dev.vars");
  const example = join(ROOT, ".dev.vars.example");
  if (!existsSync(target)) {
    copyFileSync(example, target);
    return;
  }
  const keys = (text: string) => new Set([...text.matchAll(/^\s*([A-Z0-9_]+)\s*=/gm)].map((m) => m[1]!));
  const current = readFileSync(target, "utf8");
  const have = keys(current);
  const missing = readFileSync(example, "utf8")
    .split("\n")
    .filter((line) => {
      const key = /^\s*([A-Z0-9_]+)\s*=/.exec(line)?.[1];
      return key !== undefined && !have.has(key);
    });
  if (missing.length > 0) {
    appendFileSync(
      target,
      `${current.endsWith("\n") ? "" : "\n"}# added from .dev.vars.example\n${missing.join("\n")}\n`,
    );
    console.log(`.dev.vars: added ${missing.map((l) => l.split("=")[0]).join(", ")} from .dev.vars.example`);
  }
}

/**
 * The local libSQL endpoint's token (`TURSO_AUTH_TOKEN` in `.dev.vars`, what every client sends): generated at
 * random on the first `npm start` and kept there, so the endpoint runs SQL only for this checkout's clients.
 */
export function ensureLocalAuthToken(): string {
  ensureDevVars();
  const existing = devVar("TURSO_AUTH_TOKEN");
  if (existing) return existing;
  const target = join(ROOT, ".dev.vars");
  const current = readFileSync(target, "utf8");
  const token = randomBytes(32).toString("base64url");
  const line = `TURSO_AUTH_TOKEN=${token}`;
  const key = /^[ \t]*TURSO_AUTH_TOKEN[ \t]*=.*$/m;
  writeFileSync(
    target,
    key.test(current) ? current.replace(key, line) : `${current}${current.endsWith("\n") ? "" : "\n"}${line}\n`,
  );
  console.log(".dev.vars: generated TURSO_AUTH_TOKEN, the token the local libSQL endpoint requires");
  return token;
}

/**
 * The local Ed25519 pair for the daily manifest of audit chain heads (`AUDIT_SIGNING_KEY`, the worker's secret, and
 * `AUDIT_PUBLIC_KEY`, what `npm run audit:verify` checks signatures with): generated on the first `npm start` and
 * kept in `.dev.vars`, so no two checkouts share a signing key.
 */
export async function ensureAuditKeys(): Promise<void> {
  ensureDevVars();
  if (devVar("AUDIT_SIGNING_KEY") && devVar("AUDIT_PUBLIC_KEY")) return;
  const { signingKey, publicKey } = await generateManifestKeys();
  const target = join(ROOT, ".dev.vars");
  let text = readFileSync(target, "utf8");
  for (const [name, value] of [
    ["AUDIT_SIGNING_KEY", signingKey],
    ["AUDIT_PUBLIC_KEY", publicKey],
  ] as const) {
    const key = new RegExp(`^[ \\t]*${name}[ \\t]*=.*$`, "m");
    text = key.test(text)
      ? text.replace(key, `${name}=${value}`)
      : `${text}${text.endsWith("\n") ? "" : "\n"}${name}=${value}\n`;
  }
  writeFileSync(target, text);
  console.log(
    ".dev.vars: generated AUDIT_SIGNING_KEY and AUDIT_PUBLIC_KEY, the pair that signs the daily audit manifest",
  );
}
