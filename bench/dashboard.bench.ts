/**
 * `npm run bench:dashboard`: the dashboard's overview, workflow and readiness pages over the ~10M-event dataset
 * (bench/metrics/dataset.ts), served by the production build (`node dashboard/build`) against the local libSQL
 * endpoint. Server render (HTTP GET of the full HTML, signed in) as p50/p95 against the sign-in page on the same
 * server (no database work) as the baseline ratio, and in Chromium the time until the page's `load` event with its
 * charts drawn. Writes its section of bench/RESULTS.md.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { createSession, createUser } from "../dashboard/src/lib/server/accounts/index.ts";
import { openDatabase } from "../db/client.ts";
import { freePort, ROOT, spawnService, startLibsqlService } from "../scripts/stack.ts";
import { launchChromium } from "../test/support/chromium.ts";
import { buildDataset, LAST_DAY } from "./metrics/dataset.ts";
import { machine, writeSection } from "./results.ts";

const RUNS = Number(process.env.BENCH_DASHBOARD_RUNS ?? 20);
const BROWSER_RUNS = Number(process.env.BENCH_DASHBOARD_BROWSER_RUNS ?? 5);
const to = new Date(LAST_DAY * 86_400_000).toISOString().slice(0, 10);
const PAGES = [
  { name: "overview (50 workflows, 30 days, sparklines)", path: `/?days=30&to=${to}` },
  { name: "workflow page (90 days, per day and per version)", path: `/workflows/workflow-07?days=90&to=${to}` },
  { name: "readiness (50 workflows, 30 days)", path: `/readiness?days=30&to=${to}` },
];

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const ms = (v: number) => `${v.toFixed(0)} ms`;

async function timeGet(url: string, cookie: string): Promise<number> {
  const began = performance.now();
  const res = await fetch(url, { headers: { cookie, accept: "text/html" }, redirect: "manual" });
  const html = await res.text();
  const took = performance.now() - began;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${html.slice(0, 200)}`);
  return took;
}

const dataset = await buildDataset((line) => console.log(line));
const libsql = await startLibsqlService({
  port: await freePort(),
  dataDir: join(ROOT, "bench", ".tmp"),
  file: dataset.file,
  quiet: true,
});
const db = openDatabase({ url: libsql.url });
const username = `bench-${Date.now().toString(36)}`;
const user = await createUser(db, { username, password: `bench-password-${crypto.randomUUID()}`, role: "viewer" });
const { token } = await createSession(db, user.id);
const cookie = `crossflow_session=${token}`;

console.log("building the dashboard (vite build)…");
execFileSync("npm", ["run", "build", "-w", "dashboard"], { cwd: ROOT, stdio: "ignore" });
const port = await freePort();
const dashboard = await spawnService({
  name: "dashboard",
  command: process.execPath,
  args: [join(ROOT, "dashboard", "build")],
  env: { PORT: String(port), HOST: "127.0.0.1", ORIGIN: `http://127.0.0.1:${port}`, TURSO_DATABASE_URL: libsql.url },
  url: `http://127.0.0.1:${port}`,
  readyPath: "/login",
  quiet: true,
});
let browser: Browser | undefined;
try {
  const base = dashboard.url;
  const baseline: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) baseline.push(await timeGet(`${base}/login`, ""));
  const server: { name: string; p50: number; p95: number }[] = [];
  for (const page of PAGES) {
    await timeGet(base + page.path, cookie); // warm-up
    const times = [];
    for (let i = 0; i < RUNS; i++) times.push(await timeGet(base + page.path, cookie));
    server.push({ ...page, p50: percentile(times, 50), p95: percentile(times, 95) });
    console.log(`${page.name}: server render p50 ${ms(percentile(times, 50))}, p95 ${ms(percentile(times, 95))}`);
  }
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addCookies([{ name: "crossflow_session", value: token, url: base }]);
  const inBrowser: { name: string; p50: number; p95: number }[] = [];
  for (const page of PAGES) {
    const tab = await context.newPage();
    await tab.goto(base + page.path, { waitUntil: "load" });
    const times = [];
    for (let i = 0; i < BROWSER_RUNS; i++) {
      const began = performance.now();
      await tab.goto(base + page.path, { waitUntil: "load" });
      // The charts are drawn after hydration: wait until the canvases exist (pages without charts have none to wait for).
      await tab.waitForFunction(
        "document.querySelectorAll('.chart').length === document.querySelectorAll('.chart canvas').length",
        undefined,
        { timeout: 10_000 },
      );
      times.push(performance.now() - began);
    }
    await tab.close();
    inBrowser.push({ ...page, p50: percentile(times, 50), p95: percentile(times, 95) });
    console.log(`${page.name}: in Chromium p50 ${ms(percentile(times, 50))}, p95 ${ms(percentile(times, 95))}`);
  }
  const base50 = percentile(baseline, 50);
  writeSection(
    "dashboard",
    `## Dashboard pages over ${dataset.events.toLocaleString("en-US")} events (\`npm run bench:dashboard\`)

Machine: ${machine()}. Command: \`npm run bench:dashboard\` (production build, \`node dashboard/build\`, local libSQL endpoint; dataset from \`bench/metrics/dataset.ts\`, 50 workflows × 90 days).
Baseline: the sign-in page on the same server (no database work), p50 ${ms(base50)}.

| page | server render p50 | p95 | p50 ÷ baseline | Chromium, load + charts drawn, p50 | p95 |
|---|---:|---:|---:|---:|---:|
${server.map((s, i) => `| ${s.name} | ${ms(s.p50)} | ${ms(s.p95)} | ${(s.p50 / base50).toFixed(1)} | ${ms(inBrowser[i]!.p50)} | ${ms(inBrowser[i]!.p95)} |`).join("\n")}

Goal: overview and workflow pages under 1 s.
`,
  );
} finally {
  await browser?.close();
  await dashboard.stop();
  await libsql.stop();
}
