/**
 * The end-to-end suites' shared setup: the local stack (libSQL, simulators, `wrangler dev`) started once per file
 * in its own temporary folder and stopped after, and `npm run demo` run against it with its summary parsed.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll } from "vitest";
import { ROOT, type Stack, type StackOptions, StartTimeline, startedWithin, startStack } from "../../scripts/stack.ts";

/**
 * How long the stack may take to start: less than the e2e project's hook timeout (300 s), so a stalled start fails
 * with the stage it stalled in rather than vitest's bare "Hook timed out".
 */
const START_LIMIT_MS = 285_000;

/** Starts the stack before the file's tests and stops it after; call the returned function inside tests. */
export function useStack(name: string, options: StackOptions = {}): () => Stack {
  let stack: Stack | undefined;
  let dataDir: string | undefined;
  // Kept so a start that outlives the hook's timeout is still stopped once it finishes: its processes are this file's.
  let starting: Promise<Stack> | undefined;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `crossflow-${name}-`));
    const timeline = new StartTimeline();
    starting = startStack({ dashboard: false, quiet: true, ...options, dataDir, timeline });
    stack = await startedWithin(starting, timeline, START_LIMIT_MS);
  });
  afterAll(async () => {
    await (stack ?? (await starting?.catch(() => undefined)))?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return () => {
    if (!stack) throw new Error("the stack is not started yet");
    return stack;
  };
}

export interface DemoSummary {
  opened: number;
  autonomous: number;
  withHelp: number;
  awaitingApproval: number;
  escalated: number;
  askedCustomer: number;
  failed: number;
  inFlight: number;
}

/** Runs `npm run demo` (the script itself) against `stack` and returns its "all" row. */
export async function runDemo(stack: Stack, args: string[]): Promise<DemoSummary> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/demo.ts", ...args],
    {
      cwd: ROOT,
      env: { ...process.env, WORKER_URL: stack.worker.url, SIMULATORS_URL: stack.simulators.url },
      timeout: 170_000,
    },
  );
  const all = stdout.split("\n").find((l) => l.startsWith("| **all** |"));
  if (!all) throw new Error(`no summary in the demo's output:\n${stdout}`);
  const [opened, autonomous, withHelp, awaitingApproval, escalated, askedCustomer, failed, inFlight] = all
    .split("|")
    .slice(2, -1)
    .map((v) => Number(v.trim())) as number[];
  return {
    opened: opened!,
    autonomous: autonomous!,
    withHelp: withHelp!,
    awaitingApproval: awaitingApproval!,
    escalated: escalated!,
    askedCustomer: askedCustomer!,
    failed: failed!,
    inFlight: inFlight!,
  };
}
