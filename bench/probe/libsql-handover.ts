/**
 * The case-shaped probes' metric hand-off (bench/probe/worker.ts on workerd, bench/probe/deno-kv.ts on Deno): one
 * libSQL write over HTTP (one Hrana 2 pipeline request), as a case's metrics flush makes. Web-standard APIs only.
 */

export interface ProbeMetric {
  id: string;
  at: number;
  kind: string;
}

/** Writes `metric` once (by id) into `probe_metrics`; a refusal throws (the probe's alarm then fails and is retried). */
export async function handOver(libsql: { url: string; authToken?: string }, metric: ProbeMetric): Promise<void> {
  const url = libsql.url.replace(/^libsql:/, "http:");
  const text = (value: string) => ({ type: "text", value });
  const res = await fetch(`${url}/v2/pipeline`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(libsql.authToken ? { authorization: `Bearer ${libsql.authToken}` } : {}),
    },
    body: JSON.stringify({
      requests: [
        { type: "execute", stmt: { sql: "CREATE TABLE IF NOT EXISTS probe_metrics (id TEXT PRIMARY KEY, body TEXT)" } },
        {
          type: "execute",
          stmt: {
            sql: "INSERT INTO probe_metrics (id, body) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
            args: [text(metric.id), text(JSON.stringify(metric))],
          },
        },
        { type: "close" },
      ],
    }),
  });
  const answer = (await res.json()) as { results?: { type: string }[] };
  if (!res.ok || answer.results?.some((r) => r.type !== "ok"))
    throw new Error(`libSQL refused the probe's metric: ${res.status} ${JSON.stringify(answer).slice(0, 200)}`);
}
