/**
 * Executes Hrana 2 stream requests (the JSON protocol libSQL clients speak over HTTP) against one local
 * libSQL connection. Kept free of HTTP so the same executor serves every pipeline request.
 * Spec: https://github.com/tursodatabase/libsql/blob/main/docs/HRANA_2_SPEC.md
 */
import type Database from "libsql";

export type HranaValue =
  | { type: "null" }
  | { type: "integer"; value: string }
  | { type: "float"; value: number }
  | { type: "text"; value: string }
  | { type: "blob"; base64: string };

export interface HranaStmt {
  sql?: string;
  sql_id?: number;
  args?: HranaValue[];
  named_args?: { name: string; value: HranaValue }[];
  want_rows?: boolean;
}

export type HranaCond =
  | { type: "ok" | "error"; step: number }
  | { type: "not"; cond: HranaCond }
  | { type: "and" | "or"; conds: HranaCond[] }
  | { type: "is_autocommit" };

export type StreamRequest =
  | { type: "close" }
  | { type: "execute"; stmt: HranaStmt }
  | { type: "batch"; batch: { steps: { condition?: HranaCond | null; stmt: HranaStmt }[] } }
  | { type: "sequence"; sql?: string; sql_id?: number }
  | { type: "describe"; sql?: string; sql_id?: number }
  | { type: "store_sql"; sql_id: number; sql: string }
  | { type: "close_sql"; sql_id: number }
  | { type: "get_autocommit" };

export interface HranaError {
  message: string;
  code?: string;
}

export type StreamResult = { type: "ok"; response: Record<string, unknown> } | { type: "error"; error: HranaError };

/** A client-side mistake in a request (unknown type, missing SQL): reported as a Hrana error, never thrown past. */
class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

function decodeValue(value: HranaValue): unknown {
  switch (value.type) {
    case "null":
      return null;
    case "integer":
      return BigInt(value.value);
    case "float":
      return Number(value.value);
    case "text":
      return value.value;
    case "blob":
      return Buffer.from(value.base64, "base64");
    default:
      throw new ProtocolError(`unknown value type ${(value as { type: string }).type}`);
  }
}

function encodeValue(value: unknown): HranaValue {
  if (value === null || value === undefined) return { type: "null" };
  if (typeof value === "bigint") return { type: "integer", value: value.toString() };
  if (typeof value === "number") return { type: "float", value };
  if (typeof value === "string") return { type: "text", value };
  if (value instanceof Uint8Array) return { type: "blob", base64: Buffer.from(value).toString("base64") };
  return { type: "text", value: String(value) };
}

function toHranaError(error: unknown): HranaError {
  const err = error as { message?: string; code?: string; rawCode?: number };
  return { message: err.message ?? String(error), code: typeof err.code === "string" ? err.code : undefined };
}

/**
 * Prepared statements kept per connection, by SQL text, the most recently used 64: clients send the same statements
 * again and again (the metrics writer's, the dashboard's), and preparing one that fires triggers compiles every
 * trigger into it (0.7 ms for the case upsert with its rollup triggers, bench/RESULTS.md). SQLite prepares a kept
 * statement again by itself when the schema changed under it.
 */
const PREPARED_PER_CONNECTION = 64;
const preparedByConnection = new WeakMap<Database.Database, Map<string, Database.Statement>>();

function prepared(db: Database.Database, sql: string): Database.Statement {
  const kept = preparedByConnection.get(db) ?? new Map<string, Database.Statement>();
  preparedByConnection.set(db, kept);
  const statement = kept.get(sql);
  if (statement) {
    kept.delete(sql);
    kept.set(sql, statement);
    return statement;
  }
  const fresh = db.prepare(sql).safeIntegers(true);
  kept.set(sql, fresh);
  if (kept.size > PREPARED_PER_CONNECTION) kept.delete(kept.keys().next().value!);
  return fresh;
}

export class HranaStream {
  readonly #sqls = new Map<number, string>();

  constructor(readonly db: Database.Database) {}

  get isAutocommit(): boolean {
    return !this.db.inTransaction;
  }

  handle(request: StreamRequest): StreamResult {
    try {
      return { type: "ok", response: this.#dispatch(request) };
    } catch (error) {
      return { type: "error", error: toHranaError(error) };
    }
  }

  #dispatch(request: StreamRequest): Record<string, unknown> {
    switch (request.type) {
      case "close":
        return { type: "close" };
      case "execute":
        return { type: "execute", result: this.#execute(request.stmt) };
      case "batch":
        return { type: "batch", result: this.#batch(request.batch.steps) };
      case "sequence":
        this.db.exec(this.#sqlOf(request));
        return { type: "sequence" };
      case "describe":
        return { type: "describe", result: this.#describe(this.#sqlOf(request)) };
      case "store_sql":
        this.#sqls.set(request.sql_id, request.sql);
        return { type: "store_sql" };
      case "close_sql":
        this.#sqls.delete(request.sql_id);
        return { type: "close_sql" };
      case "get_autocommit":
        return { type: "get_autocommit", is_autocommit: this.isAutocommit };
      default:
        throw new ProtocolError(`unknown request type ${(request as { type: string }).type}`);
    }
  }

  #sqlOf(source: { sql?: string; sql_id?: number }): string {
    if (source.sql !== undefined) return source.sql;
    if (source.sql_id !== undefined) {
      const sql = this.#sqls.get(source.sql_id);
      if (sql === undefined) throw new ProtocolError(`sql_id ${source.sql_id} is not stored on this stream`);
      return sql;
    }
    throw new ProtocolError("statement has neither sql nor sql_id");
  }

  #execute(stmt: HranaStmt) {
    const statement = prepared(this.db, this.#sqlOf(stmt));
    const named = stmt.named_args ?? [];
    // better-sqlite3-style binding: positional values as an array, named ones as an object without the prefix.
    const params: unknown[] = (stmt.args ?? []).map(decodeValue);
    if (named.length > 0) {
      params.push(Object.fromEntries(named.map((a) => [a.name.replace(/^[:@$]/, ""), decodeValue(a.value)])));
    }
    if (statement.reader) {
      // Columns after the rows: a kept statement is prepared again by its first step when the schema changed.
      const rows = (statement.raw(true).all(...params) as unknown[][]).map((row) => row.map(encodeValue));
      const cols = statement
        .columns()
        .map((c: { name: string; type: string | null }) => ({ name: c.name, decltype: c.type ?? null }));
      return { cols, rows: stmt.want_rows === false ? [] : rows, affected_row_count: 0, last_insert_rowid: null };
    }
    const info = statement.run(...params) as { changes: number; lastInsertRowid: number | bigint };
    return {
      cols: [],
      rows: [],
      affected_row_count: Number(info.changes),
      last_insert_rowid: String(info.lastInsertRowid),
    };
  }

  #batch(steps: { condition?: HranaCond | null; stmt: HranaStmt }[]) {
    const stepResults: unknown[] = [];
    const stepErrors: (HranaError | null)[] = [];
    const evaluate = (cond: HranaCond): boolean => {
      switch (cond.type) {
        case "ok":
          return stepResults[cond.step] != null;
        case "error":
          return stepErrors[cond.step] != null;
        case "not":
          return !evaluate(cond.cond);
        case "and":
          return cond.conds.every(evaluate);
        case "or":
          return cond.conds.some(evaluate);
        case "is_autocommit":
          return this.isAutocommit;
        default:
          throw new ProtocolError(`unknown batch condition ${(cond as { type: string }).type}`);
      }
    };
    for (const step of steps) {
      if (step.condition && !evaluate(step.condition)) {
        stepResults.push(null);
        stepErrors.push(null);
        continue;
      }
      try {
        stepResults.push(this.#execute(step.stmt));
        stepErrors.push(null);
      } catch (error) {
        stepResults.push(null);
        stepErrors.push(toHranaError(error));
      }
    }
    return { step_results: stepResults, step_errors: stepErrors };
  }

  #describe(sql: string) {
    const prepared = this.db.prepare(sql);
    const cols = prepared.reader
      ? prepared
          .columns()
          .map((c: { name: string; type: string | null }) => ({ name: c.name, decltype: c.type ?? null }))
      : [];
    return { params: [], cols, is_explain: /^\s*explain\b/i.test(sql), is_readonly: prepared.reader };
  }
}
