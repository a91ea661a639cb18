/**
 * The one way connectors call a SaaS API: JSON or form bodies, the step's idempotency key as `Idempotency-Key`,
 * and failures sorted for the engine's retries (429 → RetryAfter, 5xx and network errors → retried,
 * other 4xx → FatalError, since sending the same request again cannot fix it).
 */
import { FatalError, RetryAfter } from "../engine/index.ts";

/** A failed call to another system; `retryable` says whether the same request may succeed later. */
export class ConnectorError extends Error {
  constructor(
    readonly system: string,
    readonly status: number | null,
    readonly retryable: boolean,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ConnectorError";
  }
}

export interface ApiConfig {
  system: string;
  /** e.g. `https://api.stripe.com`; a simulator's URL locally. */
  baseUrl: string;
  apiKey: string;
  /**
   * How the key is sent: `bearer` (default) as `Authorization: Bearer <apiKey>`; `basic` as HTTP basic auth with
   * `apiKey` = `user:password` (Twilio's `AccountSid:AuthToken`); `none` when the request is signed instead.
   */
  auth?: "bearer" | "basic" | "none";
  /** Gives up on an answer after this long (default 30 s): a timeout is retryable, like a 5xx. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The configuration entry through which a sandbox (a shadow run, workers/shadow) gives every connector its own fetch:
 * when it holds a function, each connector's calls go to it instead of the network. A deployment never sets it (its
 * configuration from the environment is text, and only a function is taken). The one way in, rather than patching
 * `globalThis.fetch`, which live traffic in the same isolate shares.
 */
export const CONNECTOR_FETCH = "crossflow.connectorFetch";

/** The fetch a sandbox put in the configuration, if any. */
export function configuredFetch(config: Readonly<Record<string, unknown>>): typeof fetch | undefined {
  const value = config[CONNECTOR_FETCH];
  return typeof value === "function" ? (value as typeof fetch) : undefined;
}

/**
 * A connector's key and base URL from the deployment's configuration (secrets and vars by name). A missing key
 * (or base URL without a default) is a FatalError: retrying cannot fix configuration, so the step escalates.
 * @example connectorSettings(config, { key: "STRIPE_API_KEY", baseUrl: "STRIPE_API_BASE_URL", defaultBaseUrl: "https://api.stripe.com" })
 */
export function connectorSettings(
  config: Readonly<Record<string, unknown>>,
  names: { key: string; baseUrl: string; defaultBaseUrl?: string; hint?: string },
): Omit<ApiConfig, "system"> {
  const text = (name: string) =>
    typeof config[name] === "string" && config[name] !== "" ? (config[name] as string) : undefined;
  const apiKey = text(names.key);
  if (!apiKey) throw new FatalError(`${names.key} is not set`);
  const baseUrl = text(names.baseUrl) ?? names.defaultBaseUrl;
  if (!baseUrl) throw new FatalError(`${names.baseUrl} is not set${names.hint ? ` (${names.hint})` : ""}`);
  const sandboxFetch = configuredFetch(config);
  const timeoutMs = connectorTimeout(text(CONNECTOR_TIMEOUT));
  return {
    apiKey,
    baseUrl,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(sandboxFetch ? { fetch: sandboxFetch } : {}),
  };
}

/** The setting that changes how long every connector waits for an answer (milliseconds; default 30 s). */
export const CONNECTOR_TIMEOUT = "CONNECTOR_TIMEOUT_MS";

/** `CONNECTOR_TIMEOUT_MS` read: unset is the default; anything but a whole number of milliseconds above 0 is refused. */
function connectorTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0)
    throw new FatalError(`${CONNECTOR_TIMEOUT} must be a whole number of milliseconds above 0, not "${value}"`);
  return ms;
}

export interface CallOptions {
  method?: "GET" | "POST" | "DELETE" | "PATCH" | "PUT";
  json?: unknown;
  /** A body sent exactly as given (signed bytes), with `contentType`. */
  raw?: { body: string; contentType: string };
  form?: Record<string, string | number | undefined>;
  idempotencyKey?: string;
  /** Extra headers (a signature the body was signed with). */
  headers?: Record<string, string>;
}

/**
 * What a connector call gets from its step: the idempotency key, and whether an earlier call of the step may already
 * have acted (the engine's `StepContext` carries all of it).
 */
export interface EffectContext {
  idempotencyKey: string;
  /** 1 for the step's first attempt. */
  attempt?: number;
  /** The attempt runs again after the object stopped between its call and its record. */
  resumed?: boolean;
  /** When the step's first attempt began (epoch ms). */
  firstAttemptAt?: number;
}

/**
 * How far before the step's first attempt a lookup reaches when the effect is told apart by its time (Twilio):
 * providers stamp effects with their own clock, in whole seconds at worst, so an effect of that attempt may carry
 * a time a little before the attempt's own.
 */
export const LOOKUP_SKEW_MS = 2_000;

/**
 * How far back a lookup reaches when the effect carries the step's key (Slack metadata, Zendesk audit metadata):
 * the time only bounds the search there, so a wide margin costs little and survives a skewed clock.
 */
export const KEYED_LOOKUP_MARGIN_MS = 15 * 60_000;

/**
 * For providers without an idempotency key: when an earlier call of this step may already have acted (the attempt
 * resumes after a crash, or an earlier attempt failed after its call may have reached the provider: a timeout, a 5xx
 * from a proxy), the time from which to look that effect up before acting again (the step's first attempt, less
 * `marginMs`, to the whole second); null on a fresh first attempt, where there is nothing to find. Without the first
 * attempt's time it looks everywhere (0).
 * @example const since = earlierCallSince(ctx); if (since !== null && (await findSent(since))) return found;
 */
export function earlierCallSince(ctx: EffectContext, marginMs = LOOKUP_SKEW_MS): number | null {
  if (!ctx.resumed && (ctx.attempt ?? 1) <= 1) return null;
  return ctx.firstAttemptAt === undefined ? 0 : Math.max(0, Math.floor(ctx.firstAttemptAt / 1000) * 1000 - marginMs);
}

/** Seconds or an HTTP date, as `Retry-After` allows; 1 s when absent or unreadable. */
function retryAfterMs(header: string | null): number {
  if (header && /^\d+$/.test(header.trim())) return Number(header) * 1000;
  const date = header ? Date.parse(header) : NaN;
  return Number.isNaN(date) ? 1000 : Math.max(0, date - Date.now());
}

/**
 * @example
 * const refund = await callApi<Refund>(stripe, "/v1/refunds", { form: { charge, amount }, idempotencyKey });
 */
export async function callApi<T>(config: ApiConfig, path: string, options: CallOptions = {}): Promise<T> {
  const headers = new Headers({ accept: "application/json", ...options.headers });
  if (config.auth !== "none")
    headers.set("authorization", config.auth === "basic" ? `Basic ${btoa(config.apiKey)}` : `Bearer ${config.apiKey}`);
  let body: string | undefined;
  if (options.raw) {
    headers.set("content-type", options.raw.contentType);
    body = options.raw.body;
  } else if (options.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers.set("content-type", "application/x-www-form-urlencoded");
    const entries = Object.entries(options.form).filter((e): e is [string, string | number] => e[1] !== undefined);
    body = new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString();
  }
  if (options.idempotencyKey) headers.set("idempotency-key", options.idempotencyKey);
  const url = `${config.baseUrl.replace(/\/$/, "")}${path}`;
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  let text: string;
  try {
    res = await (config.fetch ?? fetch)(url, {
      method: options.method ?? (body === undefined ? "GET" : "POST"),
      headers,
      body,
      signal,
    });
    text = await res.text();
  } catch (cause) {
    const timedOut = signal.aborted;
    throw new ConnectorError(
      config.system,
      null,
      true,
      `${config.system}: ${path} ${timedOut ? `did not answer within ${timeoutMs} ms` : "unreachable"}`,
      { cause },
    );
  }
  if (res.ok) return (text ? JSON.parse(text) : null) as T;
  const detail = `${config.system} ${res.status} on ${path}: ${text.slice(0, 300)}`;
  if (res.status === 429) throw new RetryAfter(retryAfterMs(res.headers.get("retry-after")), detail);
  if (res.status >= 500 || res.status === 408 || res.status === 409)
    throw new ConnectorError(config.system, res.status, true, detail);
  throw new FatalError(detail, { cause: new ConnectorError(config.system, res.status, false, detail) });
}
