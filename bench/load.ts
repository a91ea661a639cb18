/**
 * What the HTTP benchmarks share: one autocannon run as figures, pre-signed requests handed out in turn, and the
 * wait until every case a load opened has reached libSQL resolved (nothing accepted may be lost).
 */
import { type Client, createClient } from "@libsql/client/web";
import autocannon from "autocannon";
import type { SignedRequest } from "../scripts/senders.ts";

export interface Figures {
  name: string;
  requests: number;
  accepted: number;
  rps: number;
  /** Mean latency, ms. */
  mean: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/**
 * How long a run waits before it starts. The run before it ended by closing its connections with requests still in
 * flight; on `wrangler dev` their cancellation failed requests of a run that began at once (its dev proxy answered
 * 503, the runtime logging "disconnected: … Request failed due to internal error"): in 12 back-to-back 10 s runs of
 * the new-object probes, 5 had 5–49 such answers, and none in 12 runs 3 s apart (bench/RESULTS.md, newcase section).
 */
const SETTLE_MS = 3000;

/**
 * @example const healthz = await run("trivial", { url: `${url}/healthz`, connections: 50, duration: 10 });
 */
export async function run(name: string, opts: autocannon.Options): Promise<Figures> {
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  return new Promise((resolve, reject) => {
    autocannon(opts, (error, result) => {
      if (error) return reject(error);
      resolve({
        name,
        requests: result.requests.total,
        accepted: result["2xx"],
        rps: result.requests.average,
        mean: result.latency.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
      });
    });
  });
}

/**
 * Hands out pre-signed requests in turn (signing stays out of the measured loop) and counts what it sent.
 * @example const load = feed(signed); await run("x", { url, requests: load.requests }); load.sent();
 */
export function feed(list: SignedRequest[]) {
  let next = 0;
  const requests = [
    {
      method: "POST" as const,
      path: list[0]!.path,
      setupRequest: (req: any) => {
        const r = list[next++ % list.length]!;
        return { ...req, headers: r.headers, body: r.body };
      },
    },
  ];
  return { requests, sent: () => next };
}

/**
 * Polls a count in libSQL every 250 ms until it reaches `atLeast` or `timeoutS` passes: the count last read, and how
 * long it took. What a benchmark waits for after its load (cases resolved, probe metrics stored).
 * @example await countReaches(url, token, async (db) => Number((await db.execute("SELECT count(*) AS n FROM t")).rows[0]!.n), 100, 60);
 */
export async function countReaches(
  libsqlUrl: string,
  authToken: string,
  count: (db: Client) => Promise<number>,
  atLeast: number,
  timeoutS: number,
): Promise<{ n: number; seconds: number; reached: boolean }> {
  const db = createClient({ url: libsqlUrl, authToken });
  const began = Date.now();
  try {
    for (;;) {
      const n = await count(db);
      const seconds = (Date.now() - began) / 1000;
      if (n >= atLeast || seconds > timeoutS) return { n, seconds, reached: n >= atLeast };
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    db.close();
  }
}

/**
 * Waits until at least `atLeast` cases whose key starts with `keyPrefix` are resolved in libSQL, and fails if more
 * than `atMost` are (a case opened twice), or after `timeoutS`.
 * @example await drained(libsqlUrl, token, "github:bench/new-deno#", accepted, sent);
 */
export async function drained(
  libsqlUrl: string,
  authToken: string,
  keyPrefix: string,
  atLeast: number,
  atMost: number,
  timeoutS = 300,
): Promise<{ resolved: number; seconds: number }> {
  const {
    n: resolved,
    seconds,
    reached,
  } = await countReaches(
    libsqlUrl,
    authToken,
    async (db) =>
      Number(
        (
          await db.execute({
            sql: "SELECT count(*) AS n FROM cases WHERE substr(case_key, 1, length(?)) = ? AND status = 'resolved'",
            args: [keyPrefix, keyPrefix],
          })
        ).rows[0]!.n,
      ),
    atLeast,
    timeoutS,
  );
  if (!reached) throw new Error(`only ${resolved} of ${atLeast} accepted cases reached libSQL after ${seconds} s`);
  if (resolved > atMost) throw new Error(`${resolved} cases resolved but only ${atMost} deliveries were sent`);
  return { resolved, seconds };
}
