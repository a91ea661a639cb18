/** The tables of a case's Durable Object, created on first use and brought up to date for cases stored by older versions. */

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  source TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  occurred_at INTEGER,
  payload TEXT NOT NULL,
  UNIQUE (source, id)
);
CREATE TABLE IF NOT EXISTS steps (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  output TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  event_seq INTEGER
);
CREATE TABLE IF NOT EXISTS attempts (
  step_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  outcome TEXT,
  PRIMARY KEY (step_id, attempt)
);
CREATE TABLE IF NOT EXISTS header (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  case_key TEXT NOT NULL,
  workflow_id TEXT NOT NULL,
  workflow_version INTEGER NOT NULL,
  status TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  closed_at INTEGER,
  outcome TEXT,
  error TEXT,
  wait TEXT,
  flush_failures INTEGER NOT NULL DEFAULT 0,
  seq INTEGER NOT NULL DEFAULT 1,
  successor INTEGER
);
CREATE TABLE IF NOT EXISTS retries (
  step_id TEXT PRIMARY KEY,
  state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY,
  entry TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS metric_outbox (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  seq INTEGER,
  sent INTEGER NOT NULL DEFAULT 0
);
`;

/**
 * The outbox's number order (the next number is the highest + 1) and its pending rows in that order. A sent row stays,
 * body emptied, so its id is not queued again; created after `upgrade` gave an older outbox its columns.
 */
const INDEXES = `
CREATE INDEX IF NOT EXISTS metric_outbox_seq ON metric_outbox (seq);
CREATE INDEX IF NOT EXISTS metric_outbox_pending ON metric_outbox (seq, created_at, id) WHERE sent = 0;
`;

/**
 * Brings a case stored by an earlier version up to the current schema (CREATE IF NOT EXISTS adds new tables, not
 * new columns). Each step probes for what it adds, so it runs once per object and costs one prepared statement after.
 */
function upgrade(sql: SqlStorage): void {
  try {
    sql.exec("SELECT event_seq FROM steps LIMIT 0");
  } catch {
    // A case journaled before waits recorded the event they consumed: the column is new, older rows have none.
    sql.exec("ALTER TABLE steps ADD COLUMN event_seq INTEGER");
  }
  try {
    sql.exec("SELECT seq, successor FROM header LIMIT 0");
  } catch {
    // A case stored before keys could have several cases is its key's first, with no successor yet.
    sql.exec("ALTER TABLE header ADD COLUMN seq INTEGER NOT NULL DEFAULT 1");
    sql.exec("ALTER TABLE header ADD COLUMN successor INTEGER");
  }
  try {
    sql.exec("SELECT seq, sent FROM metric_outbox LIMIT 0");
  } catch {
    // An outbox from before metric events were numbered: its pending rows stay unnumbered (the writer keys them by
    // id, as when they were queued), and sent rows were deleted then.
    sql.exec("ALTER TABLE metric_outbox ADD COLUMN seq INTEGER");
    sql.exec("ALTER TABLE metric_outbox ADD COLUMN sent INTEGER NOT NULL DEFAULT 0");
  }
}

export function createCaseSchema(sql: SqlStorage): void {
  sql.exec(SCHEMA);
  upgrade(sql);
  sql.exec(INDEXES);
}
