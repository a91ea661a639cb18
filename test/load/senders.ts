/**
 * The load's senders: `connections` concurrent senders, each sending the next signed event as soon as its previous
 * one is answered, for a fixed time, the way a SaaS sender's delivery workers do. Every answer is kept by event (so
 * the checks know exactly which events were accepted), a 429 is honoured by waiting its `Retry-After` on that sender,
 * as Stripe, GitHub and the others do, and a connection error or timeout is recorded by kind. Node's fetch keeps each
 * sender's connection alive, so `connections` senders hold at most that many connections.
 *
 * One answer is not Crossflow's and is sent again at once, as its `Retry-After: 0` asks: `wrangler dev`'s local proxy's
 * 503 "Your worker restarted mid-request", which it gives for any failed hop to the worker's own workerd. Under this
 * suite that hop fails without a restart: the proxy reuses a pooled keep-alive connection just as the worker's server
 * closes it, both sides idling out at 5 s (kj's HttpClientSettings.idleTimeout and HttpServerSettings.pipelineTimeout;
 * cloudflare/workers-sdk#14641). Measured on this stack (2026-12-03, `npx tsx test/load/dev-proxy-drops.ts`): one request
 * at a time after 4,984–4,990 ms idle, 9 of 20 dropped (none at 5,000 ms), and each resend was accepted: the dropped
 * request never reached the worker. Production has no such hop. `checkProxyDrops` holds every resend to that: a resend
 * answered `duplicate` would mean the worker kept an event its sender was told had failed.
 */
/** One signed delivery, with what the checks need to find its effect. */
export interface Shot {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The sender's event id (the dedupe key). */
  eventId: string;
  /** The case key the event belongs to, as it appears in libSQL's `cases.case_key`. */
  caseKey: string;
}

export interface Answer {
  shot: Shot;
  status: number | null;
  /** `accepted`, `duplicate`, … from the body of a 2xx; the error code of a refusal; the error's kind when none. */
  outcome: string;
  ms: number;
  at: number;
  /** How often `wrangler dev`'s proxy dropped this delivery before this answer (each time sent again at once). */
  proxyDrops?: number;
  /** When the delivery was first sent, when the proxy dropped it before. */
  firstSentAt?: number;
}

export interface Fire {
  answers: Answer[];
  seconds: number;
}

/** Hands out the events to send, one at a time, in order; null when there are no more. */
export type Source = () => Shot | null;

const TIMEOUT_MS = 20_000;
/** The first words of `wrangler dev`'s proxy's own 503 (see above); every Crossflow answer is JSON. */
export const PROXY_DROP = "Your worker restarted mid-request.";
/** Resends of one delivery the proxy dropped before its 503 counts as the answer. */
const MAX_PROXY_RESENDS = 3;

function errorKind(error: unknown): string {
  const e = error as { name?: string; cause?: { code?: string; name?: string } };
  if (e.name === "TimeoutError" || e.cause?.name === "TimeoutError") return "timeout";
  return e.cause?.code ?? e.name ?? "error";
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One delivery of `shot` and its answer, sent again at once while `wrangler dev`'s proxy drops it (up to
 * {@link MAX_PROXY_RESENDS} times); with the `Retry-After` of a 429, in seconds.
 */
async function deliverOnce(origin: string, shot: Shot): Promise<{ answer: Answer; retryAfterS: number | null }> {
  const firstSentAt = Date.now();
  for (let proxyDrops = 0; ; proxyDrops++) {
    const at = Date.now();
    const drops = proxyDrops > 0 ? { proxyDrops, firstSentAt } : {};
    try {
      const res = await fetch(origin + shot.path, {
        method: "POST",
        headers: shot.headers,
        body: shot.body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.status === 503 && text.startsWith(PROXY_DROP) && proxyDrops < MAX_PROXY_RESENDS) continue;
      const outcome = outcomeOf(res.status, text);
      return {
        answer: { shot, status: res.status, outcome, ms: Date.now() - at, at, ...drops },
        retryAfterS: res.status === 429 ? Number(res.headers.get("retry-after") ?? "1") : null,
      };
    } catch (error) {
      return {
        answer: { shot, status: null, outcome: errorKind(error), ms: Date.now() - at, at, ...drops },
        retryAfterS: null,
      };
    }
  }
}

/**
 * Sends from `next` over `connections` senders for `seconds` (or until `next` runs dry), to `origin`.
 * @example
 * const fire = await send("http://127.0.0.1:8787", newCases(run), { connections: 50, seconds: 60 });
 */
export async function send(
  origin: string,
  next: Source,
  options: { connections: number; seconds: number; onAnswer?: (a: Answer) => void },
): Promise<Fire> {
  const answers: Answer[] = [];
  const began = Date.now();
  const until = began + options.seconds * 1000;
  const sender = async () => {
    while (Date.now() < until) {
      const shot = next();
      if (!shot) return;
      const { answer, retryAfterS } = await deliverOnce(origin, shot);
      answers.push(answer);
      options.onAnswer?.(answer);
      // A refused connection comes back at once: pace the sender as a real one backs off.
      if (answer.status === null) await pause(200);
      else if (retryAfterS !== null) await pause(Math.min(Math.max(retryAfterS, 0.05), 30) * 1000);
    }
  };
  await Promise.all(Array.from({ length: options.connections }, sender));
  return { answers, seconds: (Date.now() - began) / 1000 };
}

function outcomeOf(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as {
      duplicate?: boolean;
      accepted?: number;
      deliveries?: { status?: string }[];
      error?: { code?: string };
    };
    if (status >= 200 && status < 300)
      return body.deliveries?.[0]?.status ?? (body.duplicate ? "duplicate" : "accepted");
    return body.error?.code ?? String(status);
  } catch {
    // Not JSON: no Crossflow answer (every one is JSON), so the runtime's own (wrangler dev's proxy answers 503 when
    // its worker restarts mid-request). Its first words tell the reader which.
    const words = text.replace(/\s+/g, " ").trim().slice(0, 60);
    return words ? `not JSON: "${words}"` : "empty body";
  }
}

/** Throughput, latency percentiles and answers by kind, for the report. */
export function figures(fire: Fire) {
  const ms = fire.answers.map((a) => a.ms).sort((a, b) => a - b);
  const pct = (p: number) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))]! : 0);
  const byKind = new Map<string, number>();
  for (const a of fire.answers) {
    const kind = a.status === null ? `error:${a.outcome}` : `${a.status} ${a.outcome}`;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  const count = (f: (a: Answer) => boolean) => fire.answers.filter(f).length;
  return {
    requests: fire.answers.length,
    rps: fire.answers.length / fire.seconds,
    acceptedPerSecond: count((a) => a.outcome === "accepted") / fire.seconds,
    p50: pct(50),
    p99: pct(99),
    fiveXx: count((a) => a.status !== null && a.status >= 500),
    connectionErrors: count((a) => a.status === null),
    refused429: count((a) => a.status === 429),
    proxyDrops: fire.answers.reduce((n, a) => n + (a.proxyDrops ?? 0), 0),
    byKind: [...byKind].sort((a, b) => b[1] - a[1]),
  };
}
