/**
 * Structured logs: one JSON object per line, `{ time, level, msg, ...fields }`, with the case, workflow, version
 * and step wherever they are known, so an operator can follow one case (or every failing call to one system)
 * through Workers Logs, `wrangler tail`, `deno task start` or any log pipeline by filtering on fields instead of
 * grepping sentences. No imports: every layer of `workers/` may use it, the engine's pure core included.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Fields every line may carry; the names are fixed so one filter finds a case across all of its lines. */
export interface LogFields {
  /** The case's id (`<workflow>/<case key>`, `<workflow>@<n>/<case key>` for a key's later cases) or, where only that is known, its key. */
  case?: string;
  workflow?: string;
  version?: number;
  step?: string;
  /** An `Error` is written as `{ name, message, stack, cause }`. */
  error?: unknown;
  [field: string]: unknown;
}

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines all carry `fields` (e.g. the case being run). */
  with(fields: LogFields): Logger;
}

/** Where a finished line goes; the console by default, per level, so platforms keep their own severity. */
export type LogSink = (level: LogLevel, line: string) => void;

const consoleSink: LogSink = (level, line) => {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else if (level === "debug") console.debug(line);
  else console.log(line);
};

/** How deep an error's `cause` chain is followed; a longer chain is cut rather than risk a huge or cyclic line. */
const MAX_CAUSES = 5;

function errorFields(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const fields: Record<string, unknown> = { name: error.name, message: error.message };
  if (error.stack) fields.stack = error.stack;
  // Typed errors carry what an operator filters on: ConnectorError's system/status/retryable, RetryAfter's ms.
  for (const [key, value] of Object.entries(error)) if (!(key in fields) && key !== "cause") fields[key] = value;
  if (error.cause !== undefined && depth < MAX_CAUSES) fields.cause = errorFields(error.cause, depth + 1);
  return fields;
}

/** JSON that never throws: bigints as strings, an object met again (a cycle) as "[circular]", errors as their fields. */
function stringify(entry: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(entry, (_key, value: unknown) => {
    if (typeof value === "bigint") return value.toString();
    if (value instanceof Error) return errorFields(value);
    if (typeof value === "object" && value !== null) {
      if (seen.has(value)) return "[circular]";
      seen.add(value);
    }
    return value;
  });
}

/**
 * @example
 * const log = createLogger({ workflow: "refund-dispute", version: 3 });
 * log.with({ case: caseId, step: "refund" }).error("step failed, will retry", { error });
 * // {"time":"2026-…","level":"error","msg":"step failed, will retry","workflow":"refund-dispute","version":3,"case":"…","step":"refund","error":{…}}
 */
export function createLogger(
  base: LogFields = {},
  sink: LogSink = consoleSink,
  clock: () => number = Date.now,
): Logger {
  const write = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    // A field named like one of the line's own keys is dropped rather than let it pass itself off as one.
    const { time: _time, level: _level, msg: _msg, ...rest } = { ...base, ...fields };
    sink(level, stringify({ time: new Date(clock()).toISOString(), level, msg, ...rest }));
  };
  return {
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    with: (fields) => createLogger({ ...base, ...fields }, sink, clock),
  };
}

/** The process's logger. @example log.warn("metrics: no delivery configured", { case: caseId }); */
export const log: Logger = createLogger();
