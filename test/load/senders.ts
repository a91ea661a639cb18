/**
 * The load's senders: `connections` concurrent senders, each sending the next signed event as soon as its previous
 * one is answered, for a fixed time, the way a SaaS sender's delivery workers do. Every answer is kept by event (so
 * the checks know exactly which events were accepted), a 429 is honoured by waiting its `Retry-After` on that sender,
 * as Stripe, GitHub and the others do, and a connection error or timeout is recorded by kind. Node's fetch keeps each
 * sender's connection alive, so `connections` senders hold at most that many connections.
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
}

export interface Fire {
  answers: Answer[];
  seconds: number;
}

/** Hands out the events to send, one at a time, in order; null when there are no more. */
export type Source = () => Shot | null;

const TIMEOUT_MS = 20_000;

function errorKind(error: unknown): string {
  const e = error as { name?: string; cause?: { code?: string; name?: string } };
  if (e.name === "TimeoutError" || e.cause?.name === "TimeoutError") return "timeout";
  return e.cause?.code ?? e.name ?? "error";
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
      const at = Date.now();
      let answer: Answer;
      try {
        const res = await fetch(origin + shot.path, {
          method: "POST",
          headers: shot.headers,
          body: shot.body,
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        const text = await res.text();
        answer = { shot, status: res.status, outcome: outcomeOf(res.status, text), ms: Date.now() - at, at };
        answers.push(answer);
        options.onAnswer?.(answer);
        if (res.status === 429) {
          const wait = Number(res.headers.get("retry-after") ?? "1");
          await new Promise((r) => setTimeout(r, Math.min(Math.max(wait, 0.05), 30) * 1000));
        }
      } catch (error) {
        answer = { shot, status: null, outcome: errorKind(error), ms: Date.now() - at, at };
        answers.push(answer);
        options.onAnswer?.(answer);
        // A refused connection comes back at once: pace the sender as a real one backs off.
        await new Promise((r) => setTimeout(r, 200));
      }
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
    byKind: [...byKind].sort((a, b) => b[1] - a[1]),
  };
}
