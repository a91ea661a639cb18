/**
 * `npm run audit:export -- --from <ISO date> --to <ISO date> [--out file] [--case <id>]`: every audit entry with `at`
 * in [from, to) of every case the metrics database lists, read through the case API, as JSON lines
 * (`{ caseId, seq, at, actor, action, …, prevHash, hash }`) to stdout or `--out`. Env as `npm run audit:verify`.
 */

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { fileURLToPath } from "node:url";
import { exportAudit } from "./audit-trail.ts";
import { auditTargetFromEnv } from "./audit-verify.ts";

function argOf(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const from = Date.parse(argOf(argv, "--from") ?? "");
  const to = Date.parse(argOf(argv, "--to") ?? "");
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
    console.error(
      "usage: npm run audit:export -- --from <ISO date> --to <ISO date> [--out file] [--case <id>]  (to after from)",
    );
    process.exit(2);
  }
  const file = argOf(argv, "--out");
  const out = file ? createWriteStream(file) : process.stdout;
  let lines = 0;
  try {
    for await (const line of exportAudit(auditTargetFromEnv(argv), from, to)) {
      if (!out.write(`${line}\n`)) await once(out, "drain");
      lines++;
    }
  } catch (error) {
    console.error(`audit:export: ${(error as Error).message}`);
    process.exit(1);
  }
  if (file) {
    out.end();
    await once(out, "finish");
  }
  console.error(`audit:export: ${lines} entries from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}`);
}
