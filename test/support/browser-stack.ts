/**
 * The browser suites' shared setup: the whole local stack (with the dashboard) and Debian's Chromium, started
 * together once per file and stopped after, each page in a context of its own so sessions never mix.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { ROOT, type Stack, type StackOptions, StartTimeline, startedWithin, startStack } from "../../scripts/stack.ts";
import { launchChromium } from "./chromium.ts";
import { signIn } from "./sign-in.ts";

/**
 * How long the stack may take to start: less than the browser project's hook timeout (180 s), so a stalled start fails
 * with the stage it stalled in rather than vitest's bare "Hook timed out".
 */
const START_LIMIT_MS = 165_000;

/** Where the suites save their screenshots. */
export const ARTIFACTS = join(ROOT, "test", "artifacts");

export interface Account {
  username: string;
  password: string;
}

export interface Viewport {
  width: number;
  height: number;
}

export interface BrowserStack {
  stack(): Stack;
  /** The file's own temporary folder (removed after its tests). */
  dataDir(): string;
  /** The dashboard's base URL. */
  url(): string;
  /** The first admin `npm start` created, with the password it printed. */
  firstAdmin(): Account;
  /** A fresh page in a context of its own, signed in to nobody. */
  page(viewport?: Viewport): Promise<Page>;
  /** A fresh page signed in through the real sign-in form (as the first admin unless told otherwise). */
  signedIn(who?: Account, viewport?: Viewport): Promise<Page>;
}

/**
 * @example
 * const browser = useBrowserStack("inbox");
 * it("…", async () => { const page = await browser.signedIn(); await page.goto(`${browser.url()}/inbox`); });
 */
export function useBrowserStack(
  name: string,
  /** The worker's port and extra vars, for a suite whose worker must know its own address (the chat link's). */
  options: Pick<StackOptions, "workerPort" | "vars"> = {},
): BrowserStack {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  let dataDir: string | undefined;
  const contexts: BrowserContext[] = [];

  // Kept so a start that outlives the hook's timeout is still stopped once it finishes: its processes are this file's.
  let starting: Promise<Stack> | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `crossflow-${name}-`));
    const timeline = new StartTimeline();
    starting = startStack({ ...options, dataDir, quiet: true, timeline });
    [stack, browser] = await Promise.all([startedWithin(starting, timeline, START_LIMIT_MS), launchChromium()]);
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await browser?.close();
    await (stack ?? (await starting?.catch(() => undefined)))?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const started = () => {
    if (!stack || !browser || !dataDir) throw new Error("the stack and browser are not started yet");
    return { stack, browser, dataDir };
  };
  const url = () => started().stack.dashboard!.url;
  const firstAdmin = () => started().stack.firstAdmin!;
  const page = async (viewport: Viewport = { width: 1280, height: 900 }) => {
    const context = await started().browser.newContext({ viewport });
    contexts.push(context);
    return context.newPage();
  };
  return {
    stack: () => started().stack,
    dataDir: () => started().dataDir,
    url,
    firstAdmin,
    page,
    async signedIn(who = firstAdmin(), viewport) {
      const signed = await page(viewport);
      await signIn(signed, url(), who.username, who.password);
      return signed;
    },
  };
}
